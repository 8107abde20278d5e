import { Expectations, rejection } from './context';

export const textExpectations: Expectations = (s) => {
  describe('text search', () => {
    it('stores text indexes in mongod form and finds documents by stemmed words', async () => {
      const c = s().fresh('activities');
      await c.createIndex({ title: 'text', description: 'text' }, { weights: { title: 5 } });
      const [, text] = await c.listIndexes().toArray();
      expect(text).toMatchObject({
        key: { _fts: 'text', _ftsx: 1 },
        name: 'title_text_description_text',
        weights: { title: 5, description: 1 },
        default_language: 'english',
        language_override: 'language',
        textIndexVersion: 3,
      });
      await c.insertMany([
        { _id: 1, title: 'Coaching new teachers', description: 'Mentoring in the classroom' },
        { _id: 2, title: 'Assessment literacy', description: 'Coach-led sessions on grading' },
        { _id: 3, title: 'Classroom management', description: 'Routines and teaching strategies' },
      ]);
      const coach = await c.find({ $text: { $search: 'coach' } }, { projection: { score: { $meta: 'textScore' } } }).sort({ score: { $meta: 'textScore' } }).toArray();
      expect(coach.map((d) => d._id)).toEqual([1, 2]);
      expect(coach[0].score).toBeGreaterThan(coach[1].score);
      expect((await c.find({ $text: { $search: 'classroom -coaching' } }).toArray()).map((d) => d._id)).toEqual([3]);
      expect((await c.find({ $text: { $search: '"teaching strategies"' } }).toArray()).map((d) => d._id)).toEqual([3]);
      expect(await c.countDocuments({ $text: { $search: 'classroom' }, _id: { $gt: 1 } })).toBe(1);
    });

    it('applies the other filter terms too, even when an index alone decides them', async () => {
      const c = s().fresh('tenantActivities');
      await c.createIndex({ tenant: 1 });
      await c.createIndex({ title: 'text' });
      await c.insertMany([
        { _id: 1, tenant: 'a', title: 'Coaching cycles' },
        { _id: 2, tenant: 'b', title: 'Coaching cycles' },
        { _id: 3, tenant: 'a', title: 'Assessment' },
      ]);
      expect((await c.find({ $text: { $search: 'coaching' }, tenant: 'a' }).toArray()).map((d) => d._id)).toEqual([1]);
      expect(await c.countDocuments({ tenant: 'b', $text: { $search: 'coaching' } })).toBe(1);
    });

    it('requires a text index', async () => {
      const c = s().fresh();
      await c.insertOne({ a: 'x' });
      expect((await rejection(c.find({ $text: { $search: 'x' } }).toArray())).code).toBe(27);
    });
  });
};
