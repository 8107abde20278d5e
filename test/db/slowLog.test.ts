import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../src/db/embedded';
import { commandShape } from '../../src/db/embedded/slowLog';

describe('embedded database slow-command log', () => {
  it('names the command, collection, filter and sort fields and pipeline stages, never the values', () => {
    const shape = commandShape('find', { find: 'plans', filter: { tenantId: 't', 'goals.reflections.text': 'my private reflection' }, sort: { updatedAt: -1 } });
    expect(shape).toEqual({ command: 'find', collection: 'plans', filter: ['tenantId', 'goals.reflections.text'], sort: ['updatedAt'] });
    expect(commandShape('aggregate', { aggregate: 'plans', pipeline: [{ $match: { a: 'secret' } }, { $group: { _id: '$a' } }] })).toEqual({ command: 'aggregate', collection: 'plans', pipeline: ['$match', '$group'] });
    const update = commandShape('update', { update: 'plans', updates: [{ q: { a: 1, b: 'hidden' }, u: { $set: { text: 'secret' } }, multi: true }] });
    expect(update).toEqual({ command: 'update', collection: 'plans', updates: 1, first: { q: ['a', 'b'], u: ['$set'], multi: true } });
    expect(JSON.stringify(update)).not.toMatch(/secret|hidden/);
    expect(commandShape('delete', { delete: 'plans', deletes: [{ q: { a: 'x' }, limit: 1 }] })).toEqual({ command: 'delete', collection: 'plans', deletes: 1, first: { q: ['a'] } });
  });

  it('logs a command slower than slowMs through the server logger, and nothing under the threshold', async () => {
    const warnings: { o: object; msg?: string }[] = [];
    const db = await startEmbeddedMongo({ logger: { info: () => undefined, warn: (o, msg) => warnings.push({ o, msg }) }, limits: { slowMs: -1 } });
    const client = await MongoClient.connect(`${db.uri}slowlog`);
    try {
      await client.db().collection('plans').insertOne({ text: 'a reflection' });
      await client.db().collection('plans').find({ text: 'a reflection' }).toArray();
      const slow = warnings.filter((w) => w.msg === 'embedded mongo: slow command').map((w) => w.o as Record<string, unknown>);
      expect(slow).toEqual(expect.arrayContaining([expect.objectContaining({ command: 'find', collection: 'plans', filter: ['text'], db: 'slowlog' })]));
      expect(JSON.stringify(slow)).not.toContain('a reflection');
    } finally {
      await client.close();
      await db.stop();
    }
    const quiet: unknown[] = [];
    const db2 = await startEmbeddedMongo({ logger: { info: () => undefined, warn: (o) => quiet.push(o) }, limits: { slowMs: 60_000 } });
    const c2 = await MongoClient.connect(`${db2.uri}slowlog`);
    await c2.db().collection('plans').findOne({});
    await c2.close();
    await db2.stop();
    expect(quiet).toEqual([]);
  });
});
