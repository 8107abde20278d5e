import express from 'express';
import { Types } from 'mongoose';
import supertest from 'supertest';
import { Tenant } from '../../src/tenants/model';
import { OutboxMessage } from '../../src/outbox/model';
import * as outbox from '../../src/outbox/service';
import { healthRouter } from '../../src/web/health';
import { useTestDatabase } from '../support/db';

/** The outbox on its own: a fake clock, a fake delivery, and a tenant to own the messages. */
let db: { stop(): Promise<void> };
let tenantId: Types.ObjectId;
let now = new Date();
const advance = (ms: number) => (now = new Date(now.getTime() + ms));
const delivered: string[] = [];
let behaviour: (key: string) => outbox.Delivery | Error = () => ({ outcome: 'done' });

beforeAll(async () => {
  db = await useTestDatabase();
  await OutboxMessage.init();
  tenantId = (await Tenant.create({ issuer: 'https://lms.example', clientId: 'outbox-test', name: 'Outbox district' }))._id;
  outbox.useClock(() => now);
  outbox.registerHandler('ags-score', async (m) => {
    const result = behaviour(m.key);
    if (result instanceof Error) throw result;
    delivered.push(`${m.key}@${(m.payload as { v?: number }).v ?? ''}`);
    return result;
  });
});
afterAll(() => db.stop());
beforeEach(async () => {
  delivered.length = 0;
  behaviour = () => ({ outcome: 'done' });
  await OutboxMessage.deleteMany({ tenantId });
});

const score = (key: string, v: number) => outbox.enqueue(tenantId, { kind: 'ags-score', key, version: v, payload: { v }, label: `score ${v}` });
const statuses = async () => (await OutboxMessage.find({ tenantId }).sort({ createdAt: 1 }).lean()).map((m) => `${m.key}:${m.status}`);

test('a newer score supersedes a pending older one; an older one never replaces a newer', async () => {
  await score('u1', 1);
  await score('u1', 3);
  await score('u1', 2);
  await score('u2', 1);
  expect(await OutboxMessage.countDocuments({ tenantId })).toBe(2);
  const run = await outbox.deliverDue();
  expect(run.done).toBe(2);
  expect(delivered.sort()).toEqual(['u1@3', 'u2@1']);
  // Delivered messages stay as history; a later score is a new message.
  await score('u1', 4);
  await outbox.deliverDue();
  expect(delivered).toContain('u1@4');
});

test('enqueue once: a key is enqueued a single time, whatever its status', async () => {
  const once = () => outbox.enqueue(tenantId, { kind: 'ags-score', key: 'badge:1', once: true, payload: {}, label: 'badge' });
  await Promise.all([once(), once(), once()]);
  await outbox.deliverDue();
  await once();
  expect(await outbox.deliverDue()).toEqual({ done: 0, notApplicable: 0, waiting: 0, retried: 0, dead: 0 });
  expect(delivered).toEqual(['badge:1@']);
});

test('failures back off exponentially with jitter, Retry-After wins, and N failures dead-letter with the reason', async () => {
  behaviour = () => Object.assign(new Error('platform answered 500'), { retryable: true });
  await score('u1', 1);
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const before = now.getTime();
    await outbox.deliverDue();
    const m = await OutboxMessage.findOne({ tenantId }).lean();
    waits.push(m!.nextAttemptAt.getTime() - before);
    advance(m!.nextAttemptAt.getTime() - before);
  }
  // 5 s, 10 s, 20 s, 40 s ceilings, each at least half of its ceiling.
  waits.forEach((w, i) => expect(w).toBeGreaterThanOrEqual(2500 * 2 ** i));
  waits.forEach((w, i) => expect(w).toBeLessThanOrEqual(5000 * 2 ** i));

  behaviour = () => Object.assign(new Error('429 slow down'), { retryable: true, retryAfterMs: 120_000 });
  await outbox.deliverDue();
  const throttled = await OutboxMessage.findOne({ tenantId }).lean();
  expect(throttled!.nextAttemptAt.getTime() - now.getTime()).toBe(120_000);
  // The tenant's queue pauses while throttled: another due message waits too.
  await score('u2', 1);
  expect((await outbox.deliverDue()).done).toBe(0);
  advance(120_000);

  behaviour = () => Object.assign(new Error('platform answered 500'), { retryable: true });
  for (let i = 0; i < 20; i++) {
    await outbox.deliverDue();
    advance(10 * 60_000);
  }
  const dead = await OutboxMessage.findOne({ tenantId, key: 'u1' }).lean();
  expect(dead!.status).toBe('dead');
  expect(dead!.attempts).toBe(10);
  expect(dead!.outcome).toMatch(/Gave up after 10 attempts: platform answered 500/);
});

test('a permanent failure dead-letters at once; retrying a dead letter gives it fresh attempts', async () => {
  behaviour = () => Object.assign(new Error('403 insufficient scope'), { retryable: false });
  await score('u1', 1);
  expect((await outbox.deliverDue()).dead).toBe(1);
  const dead = await OutboxMessage.findOne({ tenantId }).lean();
  expect(dead!.outcome).toBe('403 insufficient scope');
  behaviour = () => ({ outcome: 'done' });
  const by = { userId: new Types.ObjectId(), name: 'PD lead' };
  expect(await outbox.retryDead(tenantId, dead!._id, by)).toBe(true);
  expect((await OutboxMessage.findOne({ tenantId, _id: dead!._id }).lean())!.attempts).toBe(0);
  await outbox.deliverDue();
  expect(await statuses()).toEqual(['u1:done']);
});

test('not-applicable outcomes are recorded and not retried', async () => {
  behaviour = () => ({ outcome: 'not-applicable', reason: 'not a student' });
  await score('u1', 1);
  expect((await outbox.deliverDue()).notApplicable).toBe(1);
  advance(3600_000);
  expect((await outbox.deliverDue()).notApplicable).toBe(0);
  expect((await OutboxMessage.findOne({ tenantId }).lean())!.outcome).toBe('not a student');
});

test('workers lease per message: concurrent workers deliver each message once; an expired lease is reclaimed', async () => {
  for (let i = 0; i < 30; i++) await score(`u${i}`, 1);
  await Promise.all([outbox.deliverDue(), outbox.deliverDue(), outbox.deliverDue()]);
  expect(delivered).toHaveLength(30);
  expect(new Set(delivered).size).toBe(30);

  // A worker that died mid-delivery leaves a lease behind; once it expires, another worker takes over.
  await score('crashed', 1);
  await OutboxMessage.updateOne({ tenantId, key: 'crashed' }, { $set: { status: 'leased', leaseUntil: new Date(now.getTime() + 60_000), leaseOwner: 'dead-worker' } });
  expect((await outbox.deliverDue()).done).toBe(0);
  advance(61_000);
  expect((await outbox.deliverDue()).done).toBe(1);
});

test('a failing leased message does not clash with a newer pending one: it is marked superseded', async () => {
  await score('u1', 1);
  behaviour = () => {
    void score('u1', 2);
    return Object.assign(new Error('timeout'), { retryable: true });
  };
  await outbox.deliverDue();
  await new Promise((r) => setTimeout(r, 50));
  expect((await statuses()).sort()).toEqual(['u1:pending', 'u1:superseded']);
});

test('queue stats and /readyz report the lag of the oldest due message; ready fails once workers fall behind', async () => {
  await score('u1', 1);
  advance(90_000);
  const stats = await outbox.queueStats(tenantId);
  expect(stats.counts.pending).toBe(1);
  expect(stats.lagMs).toBe(90_000);
  const app = express().use(healthRouter({ outbox: outbox.queueReadiness }));
  const ready = await supertest(app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.checks.outbox).toEqual({ ok: true, detail: { lagMs: 90_000, dead: 0 } });
  advance(10 * 60_000);
  const behind = await supertest(app).get('/readyz');
  expect(behind.status).toBe(503);
  expect(behind.body.checks.outbox.ok).toBe(false);
});

test('every tenant’s queue is worked', async () => {
  const other = (await Tenant.create({ issuer: 'https://other.example', clientId: 'other', name: 'Other district' }))._id;
  await outbox.enqueue(other, { kind: 'ags-score', key: 'x', payload: { v: 9 }, label: 'x' });
  await score('u1', 1);
  expect((await outbox.deliverDue()).done).toBe(2);
});
