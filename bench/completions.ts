import type { Db } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import * as catalog from '../src/catalog/service';
import * as completions from '../src/completions/service';
import { CompletionEvent } from '../src/completions/model';
import { eventFields, idempotencyKey } from '../src/completions/rules';
import { demoRoster } from '../src/demo/platform';
import { seedDemoTenant } from '../src/demo/seed';
import { signDelivery, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../src/lms/webhook';
import { Tenant } from '../src/tenants/model';
import { copy, insertAll } from './district';
import { perSecond, ratio, recordGoal } from './goals';
import { BenchDb, PATIENT, startTool } from './stack';

const PEOPLE = Number(process.env.BENCH_INGEST_PEOPLE ?? 1000);
const COURSES = 4;
const BATCH = 500;
const PARALLEL = 4;

type Doc = Record<string, unknown>;
interface Event {
  id: string;
  user: { id: string; idType: 'email' };
  course: { id: string };
  completedAt: string;
}

/** PEOPLE teachers, each with a current plan whose one goal holds the COURSES mapped catalog activities. */
async function seedPeople(tenantId: Types.ObjectId): Promise<void> {
  await seedDemoTenant(tenantId, { flavor: 'canvas', roster: demoRoster('canvas') });
  const db = mongoose.connection.db! as unknown as Db;
  const activities = (await catalog.listActivities(tenantId)).filter((a) => !a.certificateRequired).slice(0, COURSES);
  await insertAll(db, 'completionMappings', COURSES, (k) => ({ tenantId, system: 'lms', courseId: `bench-c${k}`, courseTitle: `Bench course ${k}`, activityId: activities[k]!._id, createdAt: new Date(), updatedAt: new Date() }));
  const template = (await db.collection('plans').findOne({ tenantId, current: true, status: 'active' }))!;
  const goal = (template.goals as Doc[])[0]!;
  const planned = (goal.activities as Doc[])[0]!;
  const ids = Array.from({ length: PEOPLE }, () => new Types.ObjectId());
  await insertAll(db, 'users', PEOPLE, (i) => ({ _id: ids[i], tenantId, sub: `ingest-${i}`, status: 'active', name: `Ingest ${i}`, aliases: { email: `ingest${i}@bench.example` }, launchRoles: [], grants: [], coachIds: [], contextIds: [], createdAt: new Date(), updatedAt: new Date() }));
  const activitiesOf = () => activities.map((a) => ({ ...copy(planned), activityId: a._id, title: a.title, status: 'not-started', completedAt: undefined, source: undefined }));
  await insertAll(db, 'plans', PEOPLE, (i) => ({ ...copy(template), _id: new Types.ObjectId(), userId: ids[i], goals: [{ ...copy(goal), status: 'open', progress: 0, reflections: [], activities: activitiesOf() }] }));
}

function eventsFor(people: number): Event[] {
  const at = new Date('2026-01-15T15:00:00Z').getTime();
  return Array.from({ length: people * COURSES }, (_, n) => ({ id: `bench-${n}`, user: { id: `ingest${n % people}@bench.example`, idType: 'email' as const }, course: { id: `bench-c${Math.floor(n / people)}` }, completedAt: new Date(at + n * 1000).toISOString() }));
}

function batches<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / BATCH) }, (_, b) => items.slice(b * BATCH, (b + 1) * BATCH));
}

/** Runs the jobs PARALLEL at a time. */
async function inParallel<T>(jobs: T[], run: (job: T) => Promise<void>): Promise<number> {
  const started = performance.now();
  const queue = [...jobs];
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await run(job);
  }));
  return (performance.now() - started) / 1000;
}

async function deliver(url: string, secret: string, events: Event[]): Promise<{ received: number; duplicates: number }> {
  const body = JSON.stringify({ events });
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signDelivery(secret, ts, body) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`webhook answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The same ledger documents ingest writes, inserted raw with insertMany into a collection with the same indexes. */
async function baselineSeconds(tenantId: Types.ObjectId, events: Event[]): Promise<number> {
  const db = mongoose.connection.db!;
  const target = db.collection('completionEvents_baseline');
  for (const index of await db.collection('completionEvents').indexes()) {
    if (index.name !== '_id_') await target.createIndex(index.key, { unique: index.unique, name: index.name });
  }
  const docs = (list: Event[]) =>
    list.map((e) => {
      const input = { source: 'webhook' as const, courseId: e.course.id, lmsUserId: e.user.id, userIdKind: e.user.idType, completedAt: new Date(e.completedAt), externalKey: e.id, payload: e };
      return new CompletionEvent({ tenantId, ...eventFields(input), idempotencyKey: idempotencyKey(input), timeline: [{ step: 'received', detail: 'From Generic webhook' }] }).toObject();
    });
  return inParallel(batches(events), async (list) => void (await target.insertMany(docs(list), { ordered: false })));
}

async function pending(tenantId: Types.ObjectId): Promise<number> {
  return CompletionEvent.countDocuments({ tenantId, status: { $in: ['received', 'matched'] } });
}

async function appliedCheck(tenantId: Types.ObjectId): Promise<{ applied: number; twice: number; done: number }> {
  const applied = await CompletionEvent.countDocuments({ tenantId, status: 'applied', source: 'webhook' });
  const twice = await CompletionEvent.countDocuments({ tenantId, source: 'webhook', 'applied.1': { $exists: true } });
  const [row] = await mongoose.connection.db!.collection('plans').aggregate([{ $match: { tenantId, userId: { $exists: true } } }, { $unwind: '$goals' }, { $unwind: '$goals.activities' }, { $match: { 'goals.activities.completionEventId': { $exists: true } } }, { $count: 'done' }]).toArray();
  return { applied, twice, done: row?.done ?? 0 };
}

/**
 * Signed webhook deliveries of PEOPLE × COURSES completions (500 per delivery, 4 in flight), acknowledged once
 * the ledger holds them, against inserting the same documents raw; then how fast the events reach the plans,
 * and that a second delivery of everything applies nothing again.
 */
export async function completionsBench(db: BenchDb): Promise<void> {
  const tool = await startTool(db, 'bench_completions');
  try {
    await mongoose.connect(`${db.uri}bench_completions`, PATIENT);
    const tenant = (await Tenant.findOne({ issuer: tool.platform.sim.issuer }).lean())!;
    await seedPeople(tenant._id);
    const by = { userId: new Types.ObjectId(), name: 'Bench' };
    await completions.configureSource(tenant._id, 'webhook', { enabled: 'on' }, by);
    const issued = await completions.issueHookSecrets(tenant._id, 'webhook', by);
    const url = `${tool.url}${completions.hookPath('webhook')}${new URL(issued.url).search}`;
    const events = eventsFor(PEOPLE);
    console.log(`\ncompletions: ${events.length} webhook events for ${PEOPLE} teachers, ${BATCH} per signed delivery, ${PARALLEL} deliveries in flight`);
    const baseline = baselineSeconds(tenant._id, events);
    const rawRate = events.length / (await baseline);
    const started = performance.now();
    const ingestSeconds = await inParallel(batches(events), async (list) => void (await deliver(url, issued.signingSecret!, list)));
    const ingestRate = events.length / ingestSeconds;
    console.log(`  raw insertMany of the same documents ${perSecond(rawRate, 'events').padStart(14)}`);
    console.log(`  webhook ingest (acknowledged)        ${perSecond(ingestRate, 'events').padStart(14)}   ${ratio(ingestRate / rawRate)} raw`);
    recordGoal({ benchmark: 'webhook completion ingest (HMAC, acknowledged = durable)', baseline: `raw insertMany ${perSecond(rawRate, 'events')}`, measured: `${perSecond(ingestRate, 'events')} = ${ratio(ingestRate / rawRate)}`, goal: '≥ 0.3× and ≥ 2,000 events/s', met: ingestRate / rawRate >= 0.3 && ingestRate >= 2000 });
    while ((await pending(tenant._id)) > 0) await new Promise((r) => setTimeout(r, 200));
    const applySeconds = (performance.now() - started) / 1000;
    const first = await appliedCheck(tenant._id);
    const again = await inParallel(batches(events), async (list) => void (await deliver(url, issued.signingSecret!, list)));
    while ((await pending(tenant._id)) > 0) await new Promise((r) => setTimeout(r, 200));
    const second = await appliedCheck(tenant._id);
    const applyRate = first.applied / applySeconds;
    console.log(`  applied to plans                     ${perSecond(applyRate, 'events').padStart(14)}   (${first.applied} applied, ${first.done} plan activities done, ${first.twice} applied twice; all delivered again in ${again.toFixed(1)} s: ${second.done - first.done} more done)`);
    const once = first.applied === events.length && first.twice === 0 && second.done === first.done && second.twice === 0;
    recordGoal({ benchmark: 'completion apply (ledger → goal progress → score/badge queued)', baseline: '—', measured: `${perSecond(applyRate, 'events')}; ${first.applied}/${events.length} applied, ${second.twice} twice`, goal: '≥ 300 events/s, no event applied twice', met: applyRate >= 300 && once });
  } finally {
    await mongoose.disconnect();
    await tool.close();
  }
}
