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
const handlers = new Map<keyof DomainEvents, Handler<never>[]>();

export function on<K extends keyof DomainEvents>(event: K, handler: Handler<K>): void {
  handlers.set(event, [...(handlers.get(event) ?? []), handler as Handler<never>]);
}

/** Each event's handlers in the order they run (docs/ARCHITECTURE.md's event table is checked against it). */
export function registeredHandlers(): ReadonlyMap<keyof DomainEvents, readonly Handler<never>[]> {
  return handlers;
}

/**
 * Runs every handler; a failing handler is logged and does not stop the others. Returns false when any
 * failed, so retryable flows (completion sync) can leave their work to be retried.
 */
export async function emit<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]): Promise<boolean> {
  let ok = true;
  for (const handler of (handlers.get(event) ?? []) as Handler<K>[]) {
    try {
      await handler(payload);
    } catch (err) {
      ok = false;
      logger().error({ err, event }, 'domain event handler failed');
    }
  }
  return ok;
}
