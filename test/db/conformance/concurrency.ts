import { Schema } from 'mongoose';
import { Expectations } from './context';

export const concurrencyExpectations: Expectations = (s) => {
  describe('concurrency', () => {
    it('lets exactly one of many concurrent conditional updates lease each document', async () => {
      const conn = s().conn;
      const Job = conn.model(`Job${Date.now()}`, new Schema({ status: String, owner: Number }));
      await Job.insertMany(Array.from({ length: 10 }, () => ({ status: 'pending' })));
      // separate connections, so requests really interleave at the server
      const others = await Promise.all(Array.from({ length: 4 }, () => conn.getClient().db(s().db.databaseName)));
      const leases = await Promise.all(
        Array.from({ length: 50 }, (_, worker) =>
          worker % 5 === 0
            ? Job.findOneAndUpdate({ status: 'pending' }, { $set: { status: 'leased', owner: worker } }, { new: true }).lean()
            : others[worker % 4].collection(Job.collection.collectionName).findOneAndUpdate({ status: 'pending' }, { $set: { status: 'leased', owner: worker } }, { returnDocument: 'after' }),
        ),
      );
      const won = leases.filter((l) => l !== null);
      expect(won).toHaveLength(10);
      expect(new Set(won.map((l) => String(l!._id))).size).toBe(10);
      expect(await Job.countDocuments({ status: 'pending' })).toBe(0);
      const owners = await Job.find().lean();
      for (const o of owners) expect(won.find((w) => String(w!._id) === String(o._id))!.owner).toBe(o.owner);
    });
  });
};
