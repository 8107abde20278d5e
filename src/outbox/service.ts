import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as audit from '../audit/service';
import { config } from '../config';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { isDuplicateKey, onlyDuplicateKeys } from '../db/writeErrors';
import { logger } from '../log';
import * as tenants from '../tenants/service';
import { NotFound } from '../kernel/errors';
import { OUTBOX_STATUSES, OutboxKind, OutboxMessage, OutboxMessageDoc, OutboxStatus } from './model';

export { OUTBOX_KINDS, OUTBOX_STATUSES } from './model';
export type { OutboxKind, OutboxMessageDoc, OutboxStatus } from './model';

/**
 * What a handler reports: delivered; refused for good in a way that is not an error (e.g. not a student); or
 * waiting for something the platform will do in its own time (a column the teacher has not saved yet), which
 * is looked at again later and never counts as a failed attempt.
 */
export type Delivery = { outcome: 'done' } | { outcome: 'not-applicable'; reason: string } | { outcome: 'waiting'; reason: string };
export type Handler = (message: OutboxMessageDoc) => Promise<Delivery>;

/**
 * What a handler may throw. Retried with backoff unless `retryable === false` (dead-lettered at once);
 * `retryAfterMs` (a platform's Retry-After) replaces the backoff and pauses the tenant's queue.
 */
interface DeliveryFailure {
  message?: string;
  retryable?: boolean;
  retryAfterMs?: number;
}

const handlers = new Map<OutboxKind, Handler>();

/** Features deliver their own kinds of message. */
export function registerHandler(kind: OutboxKind, handler: Handler): void {
  handlers.set(kind, handler);
}

/** The kinds with a handler and who delivers them (docs/ARCHITECTURE.md's event table is checked against it). */
export function registeredHandlers(): ReadonlyMap<OutboxKind, Handler> {
  return handlers;
}

let clock: () => Date = () => new Date();

/** Tests drive time (a ten-minute outage in milliseconds); everything here reads this clock. */
export function useClock(next: () => Date): void {
  clock = next;
}

function settings() {
  return config().outbox;
}

export interface EnqueueInput {
  kind: OutboxKind;
  key: string;
  payload: Record<string, unknown>;
  label: string;
  /** A newer version replaces a pending message with the same key (a newer score supersedes an older one). */
  version?: number;
  /** Enqueue only if no message with this key was ever enqueued (issue a badge once). */
  once?: boolean;
  /** Not before this long from now. */
  delayMs?: number;
}

/** The conditional upsert that queues one message (see enqueue). */
function enqueueStatement(tenantId: TenantId, m: EnqueueInput) {
  const version = m.version ?? 0;
  const fresh = { kind: m.kind, payload: m.payload, label: m.label, version };
  const due = new Date(clock().getTime() + (m.delayMs ?? 0));
  return m.once
    ? { filter: scoped(tenantId, { key: m.key }), update: { $setOnInsert: { ...fresh, status: 'pending', attempts: 0, nextAttemptAt: due } }, upsert: true }
    : { filter: scoped(tenantId, { key: m.key, status: 'pending', version: { $lte: version } }), update: { $set: fresh, $setOnInsert: { attempts: 0, nextAttemptAt: due } }, upsert: true };
}

/**
 * Idempotent by key; never throws for a message that is already waiting. A refused upsert means the pending
 * message with this key carries a newer version (or a concurrent enqueue inserted it).
 */
export async function enqueue(tenantId: TenantId, m: EnqueueInput): Promise<void> {
  const { filter, update, upsert } = enqueueStatement(tenantId, m);
  try {
    await OutboxMessage.updateOne(filter, update, { upsert });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Many messages in one write, each as enqueue would queue it. */
export async function enqueueAll(tenantId: TenantId, messages: EnqueueInput[]): Promise<void> {
  if (!messages.length) return;
  try {
    await OutboxMessage.bulkWrite(messages.map((m) => ({ updateOne: enqueueStatement(tenantId, m) })), { ordered: false });
  } catch (err) {
    if (!onlyDuplicateKeys(err)) throw err;
  }
}

/** Takes one due message (or one whose lease expired) with a conditional update: one worker per message. */
async function claim(tenantId: TenantId): Promise<OutboxMessageDoc | null> {
  const now = clock();
  return OutboxMessage.findOneAndUpdate(
    scoped(tenantId, { $or: [{ status: 'pending', nextAttemptAt: { $lte: now } }, { status: 'leased', leaseUntil: { $lt: now } }] }),
    { $set: { status: 'leased', leaseUntil: new Date(now.getTime() + settings().leaseMs), leaseOwner: crypto.randomUUID() }, $inc: { attempts: 1 } },
    { sort: { nextAttemptAt: 1 }, new: true },
  ).lean<OutboxMessageDoc>();
}

/** Only the worker still holding the lease may settle a message. */
function held(m: OutboxMessageDoc) {
  return scoped(m.tenantId, { _id: m._id, status: 'leased', leaseOwner: m.leaseOwner });
}

function finished(status: OutboxStatus, outcome?: string) {
  // The TTL monitor runs on the wall clock, whatever clock drives the queue.
  const expireAt = new Date(Date.now() + settings().keepDays * 86_400_000);
  return {
    $set: { status, finishedAt: clock(), expireAt, ...(outcome ? { outcome } : {}) },
    $unset: { leaseUntil: 1, leaseOwner: 1 },
  };
}

/** Exponential backoff with jitter: half fixed, half random, capped. */
export function backoffMs(attempts: number): number {
  const { baseDelayMs, maxDelayMs } = settings();
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Tenants whose platform asked us to slow down (429 + Retry-After), until when. */
const pausedUntil = new Map<string, number>();

async function deadLetter(m: OutboxMessageDoc, reason: string): Promise<void> {
  await OutboxMessage.updateOne(held(m), finished('dead', reason));
  logger().error({ kind: m.kind, key: m.key, attempts: m.attempts, reason }, 'outbox message dead-lettered');
}

async function scheduleRetry(m: OutboxMessageDoc, reason: string, waitMs: number): Promise<void> {
  const next = new Date(clock().getTime() + waitMs);
  try {
    await OutboxMessage.updateOne(held(m), { $set: { status: 'pending', nextAttemptAt: next, lastError: reason }, $unset: { leaseUntil: 1, leaseOwner: 1 } });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await OutboxMessage.updateOne(held(m), finished('superseded', 'A newer message with the same key is waiting'));
  }
}

/** Waiting is checked after 1, 2, 4 … minutes, then hourly, for as long as it takes. */
export function waitMs(waits: number): number {
  const ceiling = Math.min(3_600_000, 60_000 * 2 ** Math.min(waits, 10));
  return ceiling * (0.75 + Math.random() * 0.25);
}

async function scheduleWait(m: OutboxMessageDoc, reason: string): Promise<void> {
  const next = new Date(clock().getTime() + waitMs(m.waits ?? 0));
  await OutboxMessage.updateOne(held(m), { $set: { status: 'pending', nextAttemptAt: next, lastError: reason, waiting: true }, $inc: { attempts: -1, waits: 1 }, $unset: { leaseUntil: 1, leaseOwner: 1 } });
}

type Result = 'done' | 'not-applicable' | 'waiting' | 'retry' | 'dead';

async function fail(m: OutboxMessageDoc, err: unknown): Promise<Result> {
  const failure = err as DeliveryFailure;
  const reason = (failure?.message ?? String(err)).slice(0, 500);
  if (failure?.retryable === false || m.attempts >= settings().maxAttempts) {
    await deadLetter(m, m.attempts >= settings().maxAttempts ? `Gave up after ${m.attempts} attempts: ${reason}` : reason);
    return 'dead';
  }
  if (failure?.retryAfterMs !== undefined) pausedUntil.set(String(m.tenantId), clock().getTime() + failure.retryAfterMs);
  await scheduleRetry(m, reason, failure?.retryAfterMs ?? backoffMs(m.attempts));
  logger().warn({ kind: m.kind, key: m.key, attempts: m.attempts, reason }, 'outbox delivery failed; will retry');
  return 'retry';
}

async function deliver(m: OutboxMessageDoc): Promise<Result> {
  try {
    const handler = handlers.get(m.kind as OutboxKind);
    if (!handler) return await fail(m, { message: `Nothing delivers ${m.kind} messages`, retryable: false });
    const delivery = await handler(m);
    if (delivery.outcome === 'done') await OutboxMessage.updateOne(held(m), finished('done'));
    else if (delivery.outcome === 'waiting') await scheduleWait(m, delivery.reason);
    else await OutboxMessage.updateOne(held(m), finished('not-applicable', delivery.reason));
    return delivery.outcome;
  } catch (err) {
    return fail(m, err);
  }
}

export interface DeliveryRun {
  done: number;
  notApplicable: number;
  waiting: number;
  retried: number;
  dead: number;
}

async function deliverTenant(tenantId: TenantId, limit: number, run: DeliveryRun): Promise<void> {
  if ((pausedUntil.get(String(tenantId)) ?? 0) > clock().getTime()) return;
  for (let i = 0; i < limit; i++) {
    const message = await claim(tenantId);
    if (!message) return;
    const result = await deliver(message);
    if (result === 'done') run.done++;
    else if (result === 'not-applicable') run.notApplicable++;
    else if (result === 'waiting') run.waiting++;
    else if (result === 'dead') run.dead++;
    else {
      run.retried++;
      // The platform is struggling: leave this tenant's other messages for the next run.
      return;
    }
  }
}

/**
 * One worker pass: for each tenant, claims and delivers due messages (those a delivery enqueues on the
 * way, such as the score of a badge just issued, are due at once and go out in the same pass).
 */
export async function deliverDue(limit = settings().batchSize): Promise<DeliveryRun> {
  const run: DeliveryRun = { done: 0, notApplicable: 0, waiting: 0, retried: 0, dead: 0 };
  for (const tenant of await tenants.listTenants()) await deliverTenant(tenant._id, limit, run);
  return run;
}

export interface QueueStats {
  counts: Record<OutboxStatus, number>;
  /** How long the oldest due message has been waiting for a worker. */
  lagMs: number;
}

export async function queueStats(tenantId: TenantId): Promise<QueueStats> {
  const grouped = await OutboxMessage.aggregate<{ _id: OutboxStatus; n: number }>(scopedPipeline(tenantId, {}, [{ $group: { _id: '$status', n: { $sum: 1 } } }]));
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, grouped.find((g) => g._id === s)?.n ?? 0])) as Record<OutboxStatus, number>;
  const now = clock();
  const oldest = await OutboxMessage.findOne(scoped(tenantId, { status: 'pending', nextAttemptAt: { $lte: now } })).sort({ nextAttemptAt: 1 }).lean<OutboxMessageDoc>();
  return { counts, lagMs: oldest ? now.getTime() - oldest.nextAttemptAt.getTime() : 0 };
}

export function listMessages(tenantId: TenantId, statuses: readonly OutboxStatus[], limit = 100): Promise<OutboxMessageDoc[]> {
  return OutboxMessage.find(scoped(tenantId, { status: { $in: statuses } })).sort({ updatedAt: -1 }).limit(limit).lean<OutboxMessageDoc[]>();
}

export async function getMessage(tenantId: TenantId, id: Types.ObjectId | string): Promise<OutboxMessageDoc> {
  const message = await OutboxMessage.findOne(scoped(tenantId, { _id: id })).lean<OutboxMessageDoc>();
  if (!message) throw new NotFound('That outbox message');
  return message;
}

/** Puts a dead letter back in the queue with fresh attempts; false when a newer message with its key already waits. */
export async function retryDead(tenantId: TenantId, id: Types.ObjectId, by: { userId: Types.ObjectId; name: string }): Promise<boolean> {
  const filter = scoped(tenantId, { _id: id, status: 'dead' });
  let requeued = true;
  try {
    const { modifiedCount } = await OutboxMessage.updateOne(filter, { $set: { status: 'pending', attempts: 0, nextAttemptAt: clock() }, $unset: { outcome: 1, finishedAt: 1, expireAt: 1 } });
    if (!modifiedCount) return false;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await OutboxMessage.updateOne(filter, { $set: { status: 'superseded', outcome: 'A newer message with the same key is waiting' } });
    requeued = false;
  }
  await audit.record(tenantId, { actor: by, action: 'outbox.retried', subject: { kind: 'outboxMessage', id }, before: { status: 'dead' }, after: { status: requeued ? 'pending' : 'superseded' } });
  return requeued;
}

export async function retryAllDead(tenantId: TenantId, by: { userId: Types.ObjectId; name: string }): Promise<number> {
  let requeued = 0;
  for (const m of await listMessages(tenantId, ['dead'], 1000)) if (await retryDead(tenantId, m._id, by)) requeued++;
  return requeued;
}

/** Ready while no tenant's queue lags more than `outbox.readyLagMs` (`/readyz`; `src/app.ts` passes it to the health router). */
export async function queueReadiness(): Promise<{ ok: boolean; detail: { lagMs: number; dead: number } }> {
  let lagMs = 0;
  let dead = 0;
  for (const tenant of await tenants.listTenants()) {
    const stats = await queueStats(tenant._id);
    lagMs = Math.max(lagMs, stats.lagMs);
    dead += stats.counts.dead;
  }
  return { ok: lagMs <= settings().readyLagMs, detail: { lagMs, dead } };
}
