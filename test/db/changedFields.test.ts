import fc from 'fast-check';
import mongoose, { Types } from 'mongoose';
import { changedFields, snapshot } from '../../src/db/changes';
import { useTestDatabase } from '../support/db';

// A plan write sets only what changed in memory. Written over the stored `before`, the small $set must leave
// exactly what setting every field would leave, whatever changed: leaves, subdocuments, array lengths, dates, ids.
let db: { stop(): Promise<void> };
beforeAll(async () => {
  db = await useTestDatabase();
}, 60_000);
afterAll(() => db.stop());

const ids = [new Types.ObjectId('000000000000000000000001'), new Types.ObjectId('000000000000000000000002')];
const leaf = fc.oneof(fc.constantFrom('open', 'done', '', 0, 1, 0.5, true, false, null, undefined), fc.constantFrom(...ids), fc.constantFrom(new Date(0), new Date(86_400_000)));
const activity = fc.record({ _id: fc.constantFrom(...ids), status: leaf, completedAt: leaf, hours: leaf }, { requiredKeys: ['_id'] });
const goal = fc.record({ _id: fc.constantFrom(...ids), status: leaf, progress: leaf, activities: fc.array(activity, { maxLength: 3 }), origin: fc.option(fc.record({ pathway: fc.record({ id: leaf }) }), { nil: undefined }) }, { requiredKeys: ['_id', 'activities'] });
const plan = fc.record({ status: leaf, progress: leaf, goals: fc.array(goal, { maxLength: 3 }), change: fc.option(fc.record({ note: leaf, at: leaf }, { requiredKeys: [] }), { nil: undefined }), tags: fc.array(leaf, { maxLength: 3 }) }, { requiredKeys: ['goals'] });

test('setting the changed fields over the stored document leaves what setting every field leaves', async () => {
  const coll = mongoose.connection.db!.collection('changes');
  await fc.assert(
    fc.asyncProperty(plan, plan, async (before, after) => {
      const stored = { _id: new Types.ObjectId(), rev: 1, ...before };
      const [small, whole] = [{ ...stored, _id: new Types.ObjectId() }, { ...stored, _id: new Types.ObjectId() }];
      await coll.insertMany([small, whole] as never[], { ignoreUndefined: true });
      const changed = changedFields(snapshot({ ...before }), { ...after }, ['_id', 'rev']);
      const all = Object.fromEntries(Object.entries(after));
      const write = (set: Record<string, unknown>) => (Object.keys(set).length ? { $set: set, $inc: { rev: 1 } } : { $inc: { rev: 1 } });
      await coll.updateOne({ _id: small._id }, write(changed), { ignoreUndefined: true });
      await coll.updateOne({ _id: whole._id }, write(all), { ignoreUndefined: true });
      const [a, b] = await Promise.all([coll.findOne({ _id: small._id }), coll.findOne({ _id: whole._id })]);
      expect({ ...a, _id: 0 }).toEqual({ ...b, _id: 0 });
    }),
    { numRuns: 300 },
  );
});

test('an unchanged document changes nothing, and a changed activity is written as that one field', () => {
  const before = { _id: ids[0], rev: 3, goals: [{ _id: ids[0], progress: 0.5, activities: [{ _id: ids[0], status: 'open', at: new Date(0) }, { _id: ids[1], status: 'open' }] }] };
  const copy = snapshot(before);
  expect(changedFields(copy, before, ['_id', 'rev'])).toEqual({});
  const after = snapshot(before);
  after.goals[0]!.activities[1]!.status = 'done';
  after.goals[0]!.progress = 1;
  expect(changedFields(before, after, ['_id', 'rev'])).toEqual({ 'goals.0.activities.1.status': 'done', 'goals.0.progress': 1 });
  after.goals[0]!.activities.push({ _id: ids[1], status: 'open' });
  expect(Object.keys(changedFields(before, after, ['_id', 'rev']))).toEqual(['goals.0.progress', 'goals.0.activities']);
});
