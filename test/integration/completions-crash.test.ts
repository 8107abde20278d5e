import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import crypto from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import { connectMongoose } from '../../src/db/connection';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';
import { on } from '../../src/events';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { planActivity, planWith, sampleCatalog } from '../support/completions';

const ROOT = path.resolve(__dirname, '../..');
let server: EmbeddedMongo;
let uri: string;
let tenantId: Types.ObjectId;
let activity: catalog.ActivityDoc;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startEmbeddedMongo();
  uri = `${server.uri}pdp_crash_${crypto.randomBytes(4).toString('hex')}`;
  await connectMongoose(uri);
  const tenant = await tenants.upsertTenant({ issuer: 'https://canvas.crash.example', clientId: 'crash', name: 'Crash district', family: 'canvas', deploymentIds: ['1'], source: 'cli' });
  tenantId = tenant._id;
  activity = (await sampleCatalog(tenantId, ['9001', '9002', '5100'])).find((a) => a.lmsCourseId === '5100')!;
}, 240_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await completions.settled();
  await mongoose.disconnect();
  await server.stop();
});

/** The app (or a worker) as its own process, with its output collected. */
function startChild(mode: 'app' | 'worker'): { child: ChildProcess; output: () => string; waitFor: (text: string) => Promise<string> } {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), path.join(ROOT, 'test/support/completionsChild.ts'), mode, uri], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const waitFor = async (text: string) => {
    // Up to 100 s: a child compiling its imports on a busy 2-core machine can take far longer than a quiet one.
    for (let i = 0; i < 2000 && !out.includes(text); i++) {
      if (child.exitCode !== null && !out.includes(text)) throw new Error(`child exited: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!out.includes(text)) throw new Error(`child never printed ${text}: ${out}`);
    return out;
  };
  return { child, output: () => out, waitFor };
}

async function teachers(n: number, prefix: string) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const canvasId = `${prefix}${i}`;
    const person = await users.ensurePerson(tenantId, { name: `Teacher ${canvasId}`, canvasId });
    await planWith(tenantId, { userId: person._id, name: person.name }, [activity]);
    out.push({ userId: person._id, canvasId });
  }
  return out;
}

/** Exactly one outcome per event: one "matched" step and one terminal step in its timeline. */
async function expectEachEventDecidedOnce(filter: Record<string, unknown>) {
  const events = await completions.listEvents(tenantId, { limit: 1000 });
  const mine = events.filter((e) => Object.entries(filter).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));
  for (const e of mine) {
    const steps = e.timeline.map((t) => t.step);
    expect(steps.filter((s) => ['applied', 'not-in-plan', 'ignored-duplicate'].includes(s))).toHaveLength(1);
    expect(steps.filter((s) => s === 'matched').length).toBeLessThanOrEqual(1);
    expect(['applied', 'ignored-duplicate']).toContain(e.status);
  }
  return mine;
}

test('an app process killed with SIGKILL while ingesting loses no acknowledged delivery; the processor finishes its work once', async () => {
  const people = await teachers(12, '61');
  await completions.getSource(tenantId, 'canvas-live');
  await completions.configureSource(tenantId, 'canvas-live', { enabled: 'on', jwksUrl: 'https://keys.example/jwks', acceptUnsigned: 'on' }, { userId: people[0]!.userId, name: 'PD lead' });
  const { url: hookUrl } = await completions.issueHookSecrets(tenantId, 'canvas-live', { userId: people[0]!.userId, name: 'PD lead' });
  const app = startChild('app');
  const base = /LISTENING (\S+)/.exec(await app.waitFor('LISTENING'))![1]!;
  const url = `${base}${new URL(hookUrl).pathname}${new URL(hookUrl).search}`;

  // Each teacher's completion is delivered several times over (retries), four deliveries at a time.
  const deliveries = people.flatMap((p, i) => [0, 1, 2].map((k) => ({ canvasId: p.canvasId, completedAt: new Date(Date.UTC(2025, 0, 1 + i, 10 + k)) })));
  const acknowledged: typeof deliveries = [];
  let next = 0;
  const send = async (): Promise<void> => {
    while (next < deliveries.length) {
      const d = deliveries[next++]!;
      const envelope = { metadata: { event_name: 'course_completed', event_time: d.completedAt.toISOString() }, body: { course: { id: '5100', name: 'LMS course' }, progress: { completed_at: d.completedAt.toISOString() }, user: { id: d.canvasId, name: `Teacher ${d.canvasId}` } } };
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
        if (res.status === 202) acknowledged.push(d);
        if (acknowledged.length === 15) app.child.kill('SIGKILL');
      } catch {
        return; // the process is gone
      }
    }
  };
  await Promise.all([send(), send(), send(), send()]);
  await new Promise<void>((resolve) => (app.child.exitCode !== null || app.child.signalCode ? resolve() : app.child.once('exit', () => resolve())));
  expect(app.child.signalCode).toBe('SIGKILL');
  expect(acknowledged.length).toBeGreaterThanOrEqual(15);
  expect(acknowledged.length).toBeLessThan(deliveries.length);

  // Every acknowledged delivery is in the ledger, whatever step the process died in.
  const keys = new Set((await completions.listEvents(tenantId, { source: 'canvas-live', limit: 1000 })).map((e) => `${e.lmsUserId} ${e.completedAt.toISOString()}`));
  for (const d of acknowledged) expect(keys).toContain(`${d.canvasId} ${d.completedAt.toISOString()}`);

  // The processor in another instance picks up what was left received or matched (its leases have expired by then).
  await completions.processPending({ asOf: new Date(Date.now() + 120_000) });
  await completions.settled();
  const events = await expectEachEventDecidedOnce({ source: 'canvas-live' });
  const appliedPeople = new Set(events.filter((e) => e.status === 'applied').map((e) => e.lmsUserId));
  expect(events.filter((e) => e.status === 'applied')).toHaveLength(appliedPeople.size);
  for (const p of people.filter((x) => appliedPeople.has(x.canvasId))) expect((await planActivity(tenantId, p.userId, activity._id))!.status).toBe('done');
}, 240_000);

test('two processes working through one queue decide each event exactly once', async () => {
  const people = await teachers(10, '72');
  for (const [i, p] of people.entries()) {
    for (let k = 0; k < 8; k++) {
      await completions.ingest(tenantId, { source: 'canvas-rest', courseId: '5100', lmsUserId: p.canvasId, userIdKind: 'canvasId', completedAt: new Date(Date.UTC(2025, 1, 1 + i, k)) });
    }
  }
  const a = startChild('worker');
  const b = startChild('worker');
  await Promise.all([a.waitFor('READY'), b.waitFor('READY')]);
  a.child.stdin!.write('go\n');
  b.child.stdin!.write('go\n');
  const counts = await Promise.all([a, b].map(async (w) => Number(/PROCESSED (\d+)/.exec(await w.waitFor('PROCESSED'))![1])));
  expect(counts[0]! + counts[1]!).toBe(80);

  const events = await expectEachEventDecidedOnce({ source: 'canvas-rest' });
  expect(events).toHaveLength(80);
  expect(events.filter((e) => e.status === 'applied')).toHaveLength(10);
  for (const p of people) expect((await planActivity(tenantId, p.userId, activity._id))!.status).toBe('done');
}, 240_000);

test('a processor whose lease ran out mid-apply does not count the event the processor that took it over decided, which records it applied; the teacher is told once', async () => {
  const [p] = await teachers(1, '83');
  const { eventId } = await completions.ingest(tenantId, { source: 'canvas-rest', courseId: '5100', lmsUserId: p!.canvasId, userIdKind: 'canvasId', completedAt: new Date(Date.UTC(2025, 3, 1)) });
  // Matched already (as after a crash between matching and applying), so the two race over applying it.
  await mongoose.connection.db!.collection('completionEvents').updateOne({ _id: eventId }, { $set: { status: 'matched', userId: p!.userId, activityIds: [activity._id] } });
  // The first processor stalls past its lease while applying: the second takes the event over right then.
  let second: Promise<string | undefined> | undefined;
  on('activity.completed', async (e) => {
    if (e.userId.equals(p!.userId)) second ??= completions.processEvent(tenantId, eventId, new Date());
  });
  const first = await completions.processEvent(tenantId, eventId, new Date(Date.now() - 10 * 60_000));
  expect(second).toBeDefined();
  const outcomes = [first, await second];

  // The plan was written by this event (the first processor's try), so it is applied, not "already done".
  expect(outcomes.filter(Boolean)).toEqual(['applied']);
  const [decided] = await expectEachEventDecidedOnce({ lmsUserId: p!.canvasId });
  expect(decided).toMatchObject({ status: 'applied', applied: [{ activityId: activity._id }] });
  expect(await mongoose.connection.db!.collection('notifications').countDocuments({ userId: p!.userId, kind: 'completion.synced' })).toBe(1);
  expect((await planActivity(tenantId, p!.userId, activity._id))!.status).toBe('done');
});
