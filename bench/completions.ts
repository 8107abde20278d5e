import type { Db } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import * as catalog from '../src/catalog/service';
import * as completions from '../src/completions/service';
import { demoRoster } from '../src/demo/platform';
import { seedDemoTenant } from '../src/demo/seed';
import { signDelivery, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../src/lms/webhook';
import { Tenant } from '../src/tenants/model';
import { applyBench } from './apply';
import { copy, insertAll } from './district';
import { COURSES, Event, eventsFor, ledgerDocs, ledgerState, untilNonePending } from './ledger';
import { perSecond, ratio, recordGoal } from './goals';
import { BenchDb, PATIENT, startTool } from './stack';

const PEOPLE = Number(process.env.BENCH_INGEST_PEOPLE ?? 1000);
const BATCH = 500;
const PARALLEL = 4;

type Doc = Record<string, unknown>;

/** PEOPLE teachers, each with a current plan whose one goal (with a badge) holds the 2 × COURSES mapped catalog activities. */
async function seedPeople(tenantId: Types.ObjectId): Promise<void> {
  await seedDemoTenant(tenantId, { flavor: 'canvas', roster: demoRoster('canvas') });
  const db = mongoose.connection.db! as unknown as Db;
  const activities = (await catalog.listActivities(tenantId)).filter((a) => !a.certificateRequired).slice(0, 2 * COURSES);
  if (activities.length < 2 * COURSES) throw new Error(`the demo catalog has ${activities.length} activities without certificates; the bench needs ${2 * COURSES}`);
  await insertAll(db, 'completionMappings', activities.length, (k) => ({ tenantId, system: 'lms', courseId: `bench-c${k}`, courseTitle: `Bench course ${k}`, activityId: activities[k]!._id, createdAt: new Date(), updatedAt: new Date() }));
  const template = (await db.collection('plans').findOne({ tenantId, current: true, status: 'active' }))!;
  const goal = (template.goals as Doc[])[0]!;
  const planned = (goal.activities as Doc[])[0]!;
  const ids = Array.from({ length: PEOPLE }, () => new Types.ObjectId());
  // Everyone launched from one course with a graded plan column (each change queues a score), and the goal awards a badge.
  const contextId = 'bench-course';
  await db.collection('placements').insertOne({ tenantId, contextId, kind: 'plan', ref: '', title: 'My PD plan', target: 'plan', resourceId: 'bench-plan', tag: 'pdp-plan', lineItem: { label: 'PD plan', scoreMaximum: 100 }, columnBy: 'platform', resourceLinkIds: [], createdAt: new Date(), updatedAt: new Date() });
  const badge = (await db.collection('achievements').findOne({ tenantId }))!;
  await insertAll(db, 'users', PEOPLE, (i) => ({ _id: ids[i], tenantId, sub: `ingest-${i}`, status: 'active', name: `Ingest ${i}`, aliases: { email: `ingest${i}@bench.example` }, launchRoles: [], grants: [], coachIds: [], contextIds: [contextId], createdAt: new Date(), updatedAt: new Date() }));
  const activitiesOf = () => activities.map((a) => ({ ...copy(planned), activityId: a._id, title: a.title, status: 'not-started', completedAt: undefined, source: undefined }));
  await insertAll(db, 'plans', PEOPLE, (i) => ({ ...copy(template), _id: new Types.ObjectId(), userId: ids[i], goals: [{ ...copy(goal), status: 'open', progress: 0, reflections: [], achievementId: badge._id, activities: activitiesOf() }] }));
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
  return inParallel(batches(events), async (list) => void (await target.insertMany(ledgerDocs(tenantId, list), { ordered: false })));
}

/**
 * Signed webhook deliveries of PEOPLE × COURSES completions (500 per delivery, 4 in flight), acknowledged once
 * the ledger holds them, against inserting the same documents raw; the tool applies them alongside, as in
 * production, and a second delivery of everything must apply nothing. Then applyBench times apply alone.
 */
export async function completionsBench(db: BenchDb): Promise<void> {
  const tool = await startTool(db, 'bench_completions');
  let toolOpen = true;
  try {
    await mongoose.connect(`${db.uri}bench_completions`, PATIENT);
    const tenant = (await Tenant.findOne({ issuer: tool.platform.sim.issuer }).lean())!;
    await seedPeople(tenant._id);
    const by = { userId: new Types.ObjectId(), name: 'Bench' };
    await completions.configureSource(tenant._id, 'webhook', { enabled: 'on' }, by);
    const issued = await completions.issueHookSecrets(tenant._id, 'webhook', by);
    const url = `${tool.url}${completions.hookPath('webhook')}${new URL(issued.url).search}`;
    const events = eventsFor(PEOPLE, 0);
    console.log(`\ncompletions: ${events.length} webhook events for ${PEOPLE} teachers, ${BATCH} per signed delivery, ${PARALLEL} deliveries in flight`);
    const rawRate = events.length / (await baselineSeconds(tenant._id, events));
    const started = performance.now();
    const ingestSeconds = await inParallel(batches(events), async (list) => void (await deliver(url, issued.signingSecret!, list)));
    const ingestRate = events.length / ingestSeconds;
    console.log(`  raw insertMany of the same documents ${perSecond(rawRate, 'events').padStart(14)}`);
    console.log(`  webhook ingest (acknowledged)        ${perSecond(ingestRate, 'events').padStart(14)}   ${ratio(ingestRate / rawRate)} raw`);
    recordGoal({ benchmark: 'webhook completion ingest (HMAC, acknowledged = durable)', baseline: `raw insertMany ${perSecond(rawRate, 'events')}`, measured: `${perSecond(ingestRate, 'events')} = ${ratio(ingestRate / rawRate)}`, goal: '≥ 0.3× and ≥ 2,000 events/s', met: ingestRate / rawRate >= 0.3 && ingestRate >= 2000 });
    await untilNonePending(tenant._id);
    const endToEnd = events.length / ((performance.now() - started) / 1000);
    const first = await ledgerState(tenant._id, 0);
    const again = await inParallel(batches(events), async (list) => void (await deliver(url, issued.signingSecret!, list)));
    await untilNonePending(tenant._id);
    const second = await ledgerState(tenant._id, 0);
    console.log(`  ingest and apply alongside, end to end ${perSecond(endToEnd, 'events').padStart(12)}   (${first.summary}; all delivered again in ${again.toFixed(1)} s: ${second.done - first.done} more done)`);
    const ingestOnce = first.applied === events.length && first.twice === 0 && second.done === first.done && second.twice === 0;
    await tool.close();
    toolOpen = false;
    await applyBench(db, tenant._id, PEOPLE, ingestOnce);
  } finally {
    await mongoose.disconnect();
    if (toolOpen) await tool.close();
  }
}
