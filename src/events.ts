import { Types } from 'mongoose';
import { logger } from './log';

type Id = Types.ObjectId;

/**
 * Domain events between features. Handlers run in-process, in order, and are awaited by the emitter;
 * each handler must be idempotent, because flows that can be retried (completion sync) re-emit.
 */
export interface DomainEvents {
  /** A launch created or refreshed a user; learnedAliases when a new LMS identifier became known. */
  'user.launched': { tenantId: Id; userId: Id; learnedAliases: boolean };
  /** An activity in a plan became done (manual, verified evidence, LMS sync, CSV...). */
  'activity.completed': {
    tenantId: Id;
    userId: Id;
    planId: Id;
    goalId: Id;
    activityId: Id;
    source: string;
    /** What the credit ledger records: the plan activity's key (once per plan), title, hours and completion date. */
    done: { key: string; title: string; hours: number; completedAt: Date };
  };
  /** Goal progress (0..1) changed; grade-back posts it. */
  'goal.progress': { tenantId: Id; userId: Id; planId: Id; goalId: Id; progress: number; completed: boolean };
  /** A goal reached its completion rule for the first time. */
  'goal.completed': { tenantId: Id; userId: Id; planId: Id; goalId: Id; achievementId?: Id; pathwayId?: Id };
  /** Whole-plan progress changed. */
  'plan.progress': { tenantId: Id; userId: Id; planId: Id; progress: number };
  /** Plan lifecycle transitions (submitted, approved, returned, review-started, completed, closed, renewed). */
  'plan.status': { tenantId: Id; userId: Id; planId: Id; status: string; actorId: Id; comment?: string };
  /** A teacher's request to delete their data was carried out; every feature drops what it holds on them. */
  'user.data-deleted': { tenantId: Id; userId: Id };
  /** A person's attendance of a PD session was recorded (roster or sign-in code), once per session. */
  'session.attended': { tenantId: Id; sessionId: Id; activityId: Id; userId: Id };
  /** An in-app notice was created for a person (once per notice, however often its flow is retried). */
  'notice.created': { tenantId: Id; userId: Id; noticeId: Id; kind: string; title: string };
  /** A credential was issued for an achievement. */
  'credential.issued': { tenantId: Id; userId: Id; credentialId: Id; achievementId: Id };
}

type Handler<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => Promise<void>;
type ManyHandler<K extends keyof DomainEvents> = (payloads: DomainEvents[K][]) => Promise<void>;

interface Registered {
  /** The function registered (its name is what docs/ARCHITECTURE.md's event table lists). */
  handler: Handler<never> | ManyHandler<never>;
  /** Runs it on the payloads of one emit; false when it failed for any of them. */
  run: (payloads: never[]) => Promise<boolean>;
}

const handlers = new Map<keyof DomainEvents, Registered[]>();

function register(event: keyof DomainEvents, r: Registered): void {
  handlers.set(event, [...(handlers.get(event) ?? []), r]);
}

/** A failing handler is logged and does not stop the others. */
async function attempt(event: keyof DomainEvents, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (err) {
    logger().error({ err, event }, 'domain event handler failed');
    return false;
  }
}

/** A handler of one payload at a time (an emit of many calls it for each, in order). */
export function on<K extends keyof DomainEvents>(event: K, handler: Handler<K>): void {
  register(event, {
    handler: handler as Handler<never>,
    run: async (payloads) => {
      let ok = true;
      for (const p of payloads as DomainEvents[K][]) ok = (await attempt(event, () => handler(p))) && ok;
      return ok;
    },
  });
}

/** A handler given every payload of one emit at once, so that a batch costs it one read, not one per payload. */
export function onMany<K extends keyof DomainEvents>(event: K, handler: ManyHandler<K>): void {
  register(event, { handler: handler as ManyHandler<never>, run: (payloads) => attempt(event, () => handler(payloads as DomainEvents[K][])) });
}

/** Each event's handlers in the order they run (docs/ARCHITECTURE.md's event table is checked against it). */
export function registeredHandlers(): ReadonlyMap<keyof DomainEvents, readonly (Handler<never> | ManyHandler<never>)[]> {
  return new Map([...handlers].map(([event, rs]) => [event, rs.map((r) => r.handler)]));
}

/**
 * Runs every handler; a failing handler is logged and does not stop the others. Returns false when any
 * failed, so retryable flows (completion sync) can leave their work to be retried.
 */
export function emit<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]): Promise<boolean> {
  return emitAll(event, [payload]);
}

/** Emits many payloads of one event: each handler runs in turn on all of them (per-payload handlers in order). */
export async function emitAll<K extends keyof DomainEvents>(event: K, payloads: DomainEvents[K][]): Promise<boolean> {
  if (!payloads.length) return true;
  let ok = true;
  for (const r of handlers.get(event) ?? []) ok = (await r.run(payloads as never[])) && ok;
  return ok;
}
