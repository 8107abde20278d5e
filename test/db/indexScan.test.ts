import fc from 'fast-check';
import { ObjectId } from 'bson';
import { Catalog } from '../../src/db/embedded/catalog';
import { countMatching, mingoOptions, select } from '../../src/db/embedded/query';
import { Doc } from '../../src/db/embedded/values';

// Index scans (equality prefix, range, sort order, forward and backward) must give what a full scan gives.
const opts = mingoOptions();
const ids = [new ObjectId('000000000000000000000001'), new ObjectId('000000000000000000000002')];
const mixed = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom('a', 'b', 'B', ''), fc.constantFrom(null, true, false), fc.constantFrom(...ids), fc.constantFrom(new Date(0), new Date(86_400_000)));
const person = fc.record({ t: fc.constantFrom('x', 'y'), s: fc.option(mixed, { nil: undefined }), at: mixed }, { requiredKeys: ['t'] });
const bound = fc.constantFrom('$gt', '$gte', '$lt', '$lte');
const query = fc.record({
  t: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
  s: fc.option(mixed, { nil: undefined }),
  range: fc.option(fc.tuple(bound, mixed), { nil: undefined }),
  sort: fc.constantFrom<Doc>({}, { at: 1 }, { at: -1 }, { s: 1, at: 1 }, { s: -1, at: -1 }, { t: 1, s: -1 }, { s: 1, at: -1 }),
  limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
});

function collections(docs: Doc[]) {
  const catalog = new Catalog();
  const plain = catalog.create('t', 'plain', {});
  const indexed = catalog.create('t', 'indexed', {});
  indexed.createIndex({ v: 2, key: { t: 1, s: 1, at: 1 }, name: 'tsa' });
  indexed.createIndex({ v: 2, key: { t: 1, at: -1 }, name: 'ta' });
  docs.forEach((d, i) => {
    plain.insert({ _id: i, ...d });
    indexed.insert({ _id: i, ...d });
  });
  return { plain, indexed };
}

describe('embedded server: index scans agree with a full scan', () => {
  it('gives the same documents, in an order the sort allows, for equality + range + sort', () => {
    fc.assert(
      fc.property(fc.array(person, { maxLength: 40 }), query, (docs, q) => {
        const { plain, indexed } = collections(docs);
        const filter: Doc = {};
        if (q.t !== undefined) filter.t = q.t;
        if (q.s !== undefined) filter.s = q.s;
        if (q.range) filter.at = { [q.range[0]]: q.range[1] };
        // _id last makes the order total, so both sides must agree exactly
        const sort = { ...q.sort, _id: 1 };
        const full = select(plain, filter, opts, { sort, limit: q.limit }).matches.map((m) => m.doc);
        const viaIndex = select(indexed, filter, opts, { sort, limit: q.limit }).matches.map((m) => m.doc);
        expect(viaIndex).toEqual(full);
        const unsorted = (c: typeof plain) => select(c, filter, opts, { sort: q.sort }).matches.map((m) => m.doc._id).sort();
        expect(unsorted(indexed)).toEqual(unsorted(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('still agrees after documents are replaced, whether the replacement moves their indexed fields or not', () => {
    const replacement = fc.record({ at: fc.nat(39), doc: person, keepIndexed: fc.boolean() });
    fc.assert(
      fc.property(fc.array(person, { minLength: 1, maxLength: 40 }), fc.array(replacement, { maxLength: 20 }), query, (docs, swaps, q) => {
        const { plain, indexed } = collections(docs);
        for (const { at, doc, keepIndexed } of swaps) {
          const rid = 1 + (at % docs.length);
          const old = plain.peek(rid)!;
          // keepIndexed: only the unindexed field changes, so the indexes are left as they were
          const next = keepIndexed ? { ...old, note: doc.s ?? null } : { _id: old._id, ...doc };
          plain.replace(rid, next);
          indexed.replace(rid, next);
        }
        const sort = { ...q.sort, _id: 1 };
        const filter: Doc = { ...(q.t !== undefined && { t: q.t }), ...(q.range && { at: { [q.range[0]]: q.range[1] } }) };
        expect(select(indexed, filter, opts, { sort }).matches.map((m) => m.doc)).toEqual(select(plain, filter, opts, { sort }).matches.map((m) => m.doc));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a replacement that takes another document\'s unique key and leaves it as it was; keeping its own key is no conflict', () => {
    const catalog = new Catalog();
    const people = catalog.create('t', 'people', {});
    people.createIndex({ v: 2, key: { email: 1 }, name: 'email', unique: true });
    people.insert({ _id: 1, email: 'a@x.org' });
    people.insert({ _id: 2, email: 'b@x.org', name: 'Bo' });
    expect(() => people.replace(2, { _id: 2, email: 'a@x.org', name: 'Bo' })).toThrow(/E11000/);
    expect(people.peek(2)).toEqual({ _id: 2, email: 'b@x.org', name: 'Bo' });
    expect(select(people, { email: 'b@x.org' }, opts).matches.map((m) => m.doc._id)).toEqual([2]);
    people.replace(2, { _id: 2, email: 'b@x.org', name: 'Bo Lee' });
    expect(select(people, { email: 'b@x.org' }, opts).matches.map((m) => m.doc.name)).toEqual(['Bo Lee']);
  });

  it('counts what a full scan finds, from the index alone when its bounds decide the filter', () => {
    const filters = fc.record({ t: fc.option(fc.oneof(fc.constantFrom('x', 'y'), fc.constant({ $in: ['x', 'y'] })), { nil: undefined }), s: fc.option(mixed, { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(person, { maxLength: 60 }), filters, (docs, f) => {
        const { plain, indexed } = collections(docs);
        const filter: Doc = { ...(f.t !== undefined && { t: f.t }), ...(f.s !== undefined && { s: f.s }) };
        const expected = select(plain, filter, opts).matches.length;
        indexed.stats.docsExamined = 0;
        expect(countMatching(indexed, filter, opts).n).toBe(expected);
        expect(countMatching(plain, filter, opts).n).toBe(expected);
      }),
      { numRuns: 500 },
    );
    // (t, s) pinned by the index: counted without reading a document
    const { indexed } = collections(Array.from({ length: 2000 }, (_, i) => ({ t: i % 2 ? 'x' : 'y', s: i % 7, at: i })));
    indexed.stats.docsExamined = 0;
    expect(countMatching(indexed, { t: 'x', s: { $in: [1, 2] } }, opts)).toEqual({ n: 2 * 143, indexName: 'tsa' });
    expect(indexed.stats.docsExamined).toBe(0);
    expect(countMatching(indexed, { t: 'x', at: { $gt: 10 } }, opts).n).toBe(995);
    expect(indexed.stats.docsExamined).toBeGreaterThan(0);
  });

  it('takes a sort after the equality prefix from the index, forward and backward, without sorting', () => {
    const { indexed } = collections(Array.from({ length: 50 }, (_, i) => ({ t: i % 2 ? 'x' : 'y', s: i % 5, at: new Date(i * 1000) })));
    for (const dir of [1, -1]) {
      indexed.stats.keysExamined = 0;
      const { matches, indexName } = select(indexed, { t: 'x' }, opts, { sort: { at: dir }, limit: 3 });
      expect(indexName).toBe('ta');
      const expected = dir === 1 ? [1, 3, 5] : [49, 47, 45];
      expect(matches.map((m) => m.doc._id)).toEqual(expected);
      expect(indexed.stats.keysExamined).toBeLessThanOrEqual(4);
    }
  });

  it('orders mixed types in an index as mongod sorts them (null, numbers, strings, ObjectId, booleans, dates)', () => {
    const values = [true, 'b', ids[0], 2, null, new Date(5), -1.5, 'a'];
    const { indexed } = collections(values.map((at) => ({ t: 'x', at })));
    const ascending = select(indexed, { t: 'x' }, opts, { sort: { at: -1 } }).matches.map((m) => m.doc.at).reverse();
    expect(ascending).toEqual([null, -1.5, 2, 'a', 'b', ids[0], true, new Date(5)]);
  });

  it('prefers the index pinned by one value over one pinned by a list of values', () => {
    const catalog = new Catalog();
    const events = catalog.create('t', 'events', {});
    events.createIndex({ v: 2, key: { t: 1, status: 1, at: 1 }, name: 'by_status' });
    events.createIndex({ v: 2, key: { t: 1, who: 1, at: -1 }, name: 'by_person' });
    for (let i = 0; i < 300; i++) events.insert({ _id: i, t: 'x', who: i % 100, status: i % 10 ? 'applied' : 'not-in-plan', at: new Date(i), done: new Date(i) });
    const { matches, indexName } = select(events, { t: 'x', who: 7, status: { $in: ['applied', 'not-in-plan', 'ignored'] } }, opts, { sort: { done: -1 }, limit: 2 });
    expect(indexName).toBe('by_person');
    expect(matches.map((m) => m.doc._id)).toEqual([207, 107]);
    expect(events.stats.docsExamined).toBe(3);
  });

  it('uses a partial index only for a filter pinned to values its partial filter holds, and finds what a full scan finds', () => {
    const catalog = new Catalog();
    const plain = catalog.create('t', 'plain', {});
    const withPartial = (name: string, partialFilterExpression: Doc) => {
      const c = catalog.create('t', name, {});
      c.createIndex({ v: 2, key: { t: 1 }, name: 'by_tenant' });
      c.createIndex({ v: 2, key: { t: 1, key: 1 }, name: 'once', unique: true, partialFilterExpression });
      return c;
    };
    const byKey = withPartial('byKey', { key: { $type: 'string' } });
    const byKeyAndN = withPartial('byKeyAndN', { key: { $type: 'string' }, n: { $gte: 0 } });
    const docs = Array.from({ length: 400 }, (_, i) => ({ _id: i, t: 'x', n: i % 4 ? i : -1, ...(i % 3 ? { key: `k${i}` } : i % 2 ? { key: null } : {}) }));
    for (const d of docs) [plain, byKey, byKeyAndN].forEach((c) => c.insert(d));
    const run = (c: typeof plain, filter: Doc) => {
      c.stats.docsExamined = 0;
      const found = select(c, filter, opts);
      expect(found.matches.map((m) => m.doc._id)).toEqual(select(plain, filter, opts).matches.map((m) => m.doc._id));
      return { indexName: found.indexName, examined: c.stats.docsExamined };
    };
    // A string key is in the index: one document examined, not the tenant's 400.
    expect(run(byKey, { t: 'x', key: 'k1' })).toEqual({ indexName: 'once', examined: 1 });
    expect(run(byKey, { t: 'x', key: { $in: ['k1', 'k2', 'k5'] } })).toEqual({ indexName: 'once', examined: 3 });
    // Documents outside the index (no key, a null key) are found without it.
    for (const filter of [{ t: 'x', key: null }, { t: 'x', key: { $exists: false } }, { t: 'x', key: { $in: ['k1', null] } }]) expect(run(byKey, filter).indexName).not.toBe('once');
    // A partial filter naming n too is used only where the filter pins n to values it holds.
    expect(run(byKeyAndN, { t: 'x', key: 'k1' }).indexName).not.toBe('once');
    expect(run(byKeyAndN, { t: 'x', key: 'k1', n: 1 }).indexName).toBe('once');
    expect(run(byKeyAndN, { t: 'x', key: 'k4', n: -1 }).indexName).not.toBe('once');
  });
});
