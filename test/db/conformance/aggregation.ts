import { Expectations } from './context';

export const aggregationExpectations: Expectations = (s) => {
  describe('aggregation', () => {
    const seed = async (): Promise<ReturnType<ReturnType<typeof s>['fresh']>> => {
      const c = s().fresh('orders');
      await c.insertMany([
        { _id: 1, cust: 'a', amount: 10, items: ['x', 'y'], at: new Date('2024-01-15T10:00:00Z') },
        { _id: 2, cust: 'a', amount: 30, items: ['y'], at: new Date('2024-02-01T10:00:00Z') },
        { _id: 3, cust: 'b', amount: 5, items: [], at: new Date('2024-02-20T10:00:00Z') },
        { _id: 4, cust: 'c', amount: 55, items: ['z'], at: new Date('2025-03-01T00:00:00Z') },
      ]);
      return c;
    };

    it('groups with accumulators and sorts', async () => {
      const c = await seed();
      const out = await c
        .aggregate([
          { $match: { amount: { $gte: 5 } } },
          {
            $group: {
              _id: '$cust',
              total: { $sum: '$amount' },
              avg: { $avg: '$amount' },
              min: { $min: '$amount' },
              max: { $max: '$amount' },
              ids: { $push: '$_id' },
              items: { $addToSet: '$cust' },
              first: { $first: '$_id' },
              last: { $last: '$_id' },
              n: { $sum: 1 },
            },
          },
          { $sort: { total: -1 } },
        ])
        .toArray();
      expect(out).toEqual([
        { _id: 'c', total: 55, avg: 55, min: 55, max: 55, ids: [4], items: ['c'], first: 4, last: 4, n: 1 },
        { _id: 'a', total: 40, avg: 20, min: 10, max: 30, ids: [1, 2], items: ['a'], first: 1, last: 2, n: 2 },
        { _id: 'b', total: 5, avg: 5, min: 5, max: 5, ids: [3], items: ['b'], first: 3, last: 3, n: 1 },
      ]);
    });

    it('projects, reshapes, unwinds, counts and paginates', async () => {
      const c = await seed();
      expect(await c.aggregate([{ $unwind: '$items' }, { $sortByCount: '$items' }, { $sort: { count: -1, _id: 1 } }]).toArray()).toEqual([
        { _id: 'y', count: 2 },
        { _id: 'x', count: 1 },
        { _id: 'z', count: 1 },
      ]);
      expect(
        await c
          .aggregate([
            { $sort: { _id: 1 } },
            { $skip: 1 },
            { $limit: 2 },
            { $project: { _id: 0, cust: 1, double: { $multiply: ['$amount', 2] } } },
            { $addFields: { tag: 'x' } },
            { $set: { big: { $gt: ['$double', 20] } } },
            { $unset: 'tag' },
          ])
          .toArray(),
      ).toEqual([
        { cust: 'a', double: 60, big: true },
        { cust: 'b', double: 10, big: false },
      ]);
      expect(await c.aggregate([{ $match: { cust: 'a' } }, { $count: 'n' }]).toArray()).toEqual([{ n: 2 }]);
      expect(await c.aggregate([{ $match: { _id: 1 } }, { $replaceRoot: { newRoot: { who: '$cust' } } }]).toArray()).toEqual([{ who: 'a' }]);
    });

    it('facets, buckets and formats dates', async () => {
      const c = await seed();
      const [facets] = await c
        .aggregate([
          {
            $facet: {
              byYear: [{ $group: { _id: { $year: '$at' }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
              buckets: [{ $bucket: { groupBy: '$amount', boundaries: [0, 10, 50, 100], default: 'other', output: { n: { $sum: 1 } } } }],
              months: [{ $sort: { _id: 1 } }, { $project: { _id: 0, m: { $month: '$at' }, d: { $dateToString: { format: '%Y-%m-%d', date: '$at' } } } }],
            },
          },
        ])
        .toArray();
      expect(facets.byYear).toEqual([
        { _id: 2024, n: 3 },
        { _id: 2025, n: 1 },
      ]);
      expect(facets.buckets).toEqual([
        { _id: 0, n: 1 },
        { _id: 10, n: 2 },
        { _id: 50, n: 1 },
      ]);
      expect(facets.months).toEqual([
        { m: 1, d: '2024-01-15' },
        { m: 2, d: '2024-02-01' },
        { m: 2, d: '2024-02-20' },
        { m: 3, d: '2025-03-01' },
      ]);
    });

    it('joins with $lookup', async () => {
      const orders = await seed();
      const customers = s().fresh('customers');
      await customers.insertMany([
        { _id: 'a', name: 'Ann' },
        { _id: 'b', name: 'Ben' },
      ]);
      const out = await orders
        .aggregate([
          { $match: { cust: { $in: ['a', 'b'] } } },
          { $lookup: { from: customers.collectionName, localField: 'cust', foreignField: '_id', as: 'customer' } },
          { $unwind: '$customer' },
          { $group: { _id: '$customer.name', n: { $sum: 1 } } },
          { $sort: { _id: 1 } },
        ])
        .toArray();
      expect(out).toEqual([
        { _id: 'Ann', n: 2 },
        { _id: 'Ben', n: 1 },
      ]);
    });

    it('writes results with $out', async () => {
      const c = await seed();
      const target = s().fresh('report');
      await c.aggregate([{ $group: { _id: '$cust', total: { $sum: '$amount' } } }, { $out: target.collectionName }]).toArray();
      expect(await target.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'a', total: 40 },
        { _id: 'b', total: 5 },
        { _id: 'c', total: 55 },
      ]);
    });

    it('rejects unknown stages and expressions', async () => {
      const c = await seed();
      await expect(c.aggregate([{ $frob: {} }]).toArray()).rejects.toMatchObject({ code: 40324 });
      await expect(c.aggregate([{ $project: { x: { $frob: 1 } } }]).toArray()).rejects.toMatchObject({ name: 'MongoServerError' });
    });
  });
};
