import { MongoClient, type Collection as DriverCollection } from 'mongodb';
import { Catalog } from '../src/db/embedded/catalog';
import { clientUri, randomCredential } from '../src/db/embedded/credential';
import { deriveKeys } from '../src/db/embedded/scram';
import { OwnedRecords, RecordStore } from '../src/db/embedded/records';
import { listen } from '../src/db/embedded/server';
import { Doc } from '../src/db/embedded/values';

const DOCS = 2000;
const TENANTS = 100;
const ROUNDS = 3;

/**
 * The baseline: storage as it was before documents were kept as BSON. It hands out its own objects
 * (cheap, but a projection or pipeline stage working on them changed stored data). Bench-only.
 */
class SharedObjectRecords implements RecordStore {
  private readonly docs = new Map<number, Doc>();
  get size(): number {
    return this.docs.size;
  }
  read(rid: number): Doc | undefined {
    return this.docs.get(rid);
  }
  write(rid: number, doc: Doc): void {
    this.docs.set(rid, doc);
  }
  delete(rid: number): void {
    this.docs.delete(rid);
  }
  rids(): IterableIterator<number> {
    return this.docs.keys();
  }
  peek(rid: number): Doc | undefined {
    return this.docs.get(rid);
  }
}

/** A plan-sized document (~2 KB): three goals with activities, reflections and feedback. */
function planDoc(i: number): Doc {
  const goal = (g: number) => ({
    title: `Goal ${g} of plan ${i}: use formative assessment every week`,
    activities: Array.from({ length: 3 }, (_, a) => ({ title: `Activity ${a}`, done: a < g, hours: 1.5 })),
    reflections: [{ text: 'Exit tickets showed which students needed a second pass at fractions.', at: new Date(1_700_000_000_000 + i) }],
    feedback: [{ authorName: 'Coach', text: 'Great evidence; try peer review next.', at: new Date(1_700_000_000_000) }],
  });
  return { tenantId: `t${i % TENANTS}`, userId: `u${i}`, status: i % 3 ? 'active' : 'submitted', current: true, goals: [goal(1), goal(2), goal(3)] };
}

type Coll = DriverCollection<Doc>;

async function rate(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return n / ((performance.now() - started) / 1000);
}

interface Rates {
  insert: number;
  update: number;
  findOne: number;
  tenantFind: number;
  tenantFull: number;
  scan: number;
}

async function measure(c: Coll): Promise<Rates> {
  const insert = await rate(DOCS, (i) => c.insertOne(planDoc(i)));
  const update = await rate(DOCS, (i) => c.updateOne({ userId: `u${i}` }, { $set: { status: 'active', 'goals.0.activities.0.done': true } }));
  const findOne = await rate(DOCS, (i) => c.findOne({ userId: `u${(i * 7919) % DOCS}` }));
  // the district queue's query: an indexed tenant, 20 documents each, nested exclusion projection
  // (an inclusion projection: the nested exclusion would strip the baseline's stored documents as it ran)
  const tenantFind = await rate(500, (i) => c.find({ tenantId: `t${i % TENANTS}`, current: true }, { projection: { userId: 1, status: 1, 'goals.title': 1 } }).toArray());
  const tenantFull = await rate(500, (i) => c.find({ tenantId: `t${i % TENANTS}`, current: true }).toArray());
  // no index on status: every document is decoded and tested
  const scan = await rate(40, () => c.countDocuments({ status: 'missing' }));
  return { insert, update, findOne, tenantFind, tenantFull, scan };
}

function best(rs: Rates[]): Rates {
  const keys = Object.keys(rs[0]) as (keyof Rates)[];
  return Object.fromEntries(keys.map((k) => [k, Math.max(...rs.map((r) => r[k]))])) as unknown as Rates;
}

async function run(store: () => RecordStore, name: string): Promise<Rates> {
  const credential = randomCredential();
  const parameters = { cursorTimeoutMillis: 60000, ttlMonitorSleepSecs: 60 };
  const server = await listen({ port: 0, host: '127.0.0.1', catalog: new Catalog(store), parameters, auth: deriveKeys(credential) });
  const client = await MongoClient.connect(clientUri('127.0.0.1', server.port, credential));
  try {
    const c = client.db('bench').collection<Doc>(name);
    await c.createIndex({ userId: 1 }, { unique: true });
    await c.createIndex({ tenantId: 1, current: 1 });
    return await measure(c);
  } finally {
    await client.close();
    await server.close();
  }
}

/**
 * The cost of owned storage (a frozen private copy per write, a fresh copy per returned document) against the old
 * shared-object storage, same workload, same process, through the wire with the mongodb driver.
 */
export async function storageBench(): Promise<void> {
  const shared = (): RecordStore => new SharedObjectRecords();
  const copies = (): RecordStore => new OwnedRecords();
  await run(shared, 'warmup');
  await run(copies, 'warmup');
  // alternate the two and keep each one's best round: the machine is shared, noise only ever slows a round
  const rounds: [Rates[], Rates[]] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    rounds[0].push(await run(shared, `shared${r}`));
    rounds[1].push(await run(copies, `owned${r}`));
  }
  const [before, owned] = rounds.map(best);
  console.log(`embedded storage: ${DOCS} plan-sized documents (~${Math.round(JSON.stringify(planDoc(1)).length / 100) / 10} KB JSON), per second, old shared objects vs owned copies, best of ${ROUNDS} alternating rounds`);
  const row = (label: string, k: keyof Rates): void => {
    console.log(`  ${label.padEnd(44)} ${before[k].toFixed(0).padStart(7)}  ${owned[k].toFixed(0).padStart(7)}   ${((owned[k] / before[k]) * 100).toFixed(0)}%`);
  };
  console.log(`  ${''.padEnd(44)} ${'shared'.padStart(7)}  ${'owned'.padStart(7)}   owned/shared`);
  row('insertOne (writes)', 'insert');
  row('updateOne $set by unique key (writes)', 'update');
  row('findOne by unique key (reads)', 'findOne');
  row('find 20 by tenant, projected (reads)', 'tenantFind');
  row('find 20 by tenant, whole documents (reads)', 'tenantFull');
  row(`count over ${DOCS} unindexed (full scans)`, 'scan');
}
