import mongoose, { Types } from 'mongoose';
import { CompletionEvent } from '../src/completions/model';
import { eventFields, idempotencyKey } from '../src/completions/rules';

// The completion benchmarks' events and what the ledger and the plans made of them.

/** Courses whose completions come by webhook (ingest, applied alongside); as many again are applied alone. */
export const COURSES = 4;

type Doc = Record<string, unknown>;
export interface Event {
  id: string;
  user: { id: string; idType: 'email' };
  course: { id: string };
  completedAt: string;
}

/** One completion per teacher of each of COURSES courses, starting at course `first`. */
export function eventsFor(people: number, first: number): Event[] {
  const at = new Date('2026-01-15T15:00:00Z').getTime();
  return Array.from({ length: people * COURSES }, (_, n) => ({ id: `bench-${first}-${n}`, user: { id: `ingest${n % people}@bench.example`, idType: 'email' as const }, course: { id: `bench-c${first + Math.floor(n / people)}` }, completedAt: new Date(at + n * 1000).toISOString() }));
}

/** The ledger documents ingest writes for these webhook events (received, not yet matched). */
export function ledgerDocs(tenantId: Types.ObjectId, events: Event[]): Doc[] {
  return events.map((e) => {
    const input = { source: 'webhook' as const, courseId: e.course.id, lmsUserId: e.user.id, userIdKind: e.user.idType, completedAt: new Date(e.completedAt), externalKey: e.id, payload: e };
    return new CompletionEvent({ tenantId, ...eventFields(input), idempotencyKey: idempotencyKey(input), timeline: [{ step: 'received', detail: 'From Generic webhook' }] }).toObject();
  });
}

export async function untilNonePending(tenantId: Types.ObjectId): Promise<void> {
  while ((await CompletionEvent.countDocuments({ tenantId, status: { $in: ['received', 'matched'] } })) > 0) await new Promise((r) => setTimeout(r, 200));
}

export interface LedgerState {
  applied: number;
  twice: number;
  /** Plan activities marked done by one of these events. */
  done: number;
  summary: string;
}

/** The webhook events of the COURSES courses from `first` on: how they were decided, and what reached the plans. */
export async function ledgerState(tenantId: Types.ObjectId, first: number): Promise<LedgerState> {
  const courseId = { $in: Array.from({ length: COURSES }, (_, k) => `bench-c${first + k}`) };
  const ofPhase = { tenantId, source: 'webhook', courseId };
  const statuses = await CompletionEvent.aggregate<{ _id: string; n: number }>([{ $match: ofPhase }, { $group: { _id: '$status', n: { $sum: 1 } } }, { $sort: { n: -1 } }]);
  const twice = await CompletionEvent.countDocuments({ ...ofPhase, 'applied.1': { $exists: true } });
  const ids = (await CompletionEvent.find(ofPhase).select('_id').lean<{ _id: Types.ObjectId }[]>()).map((e) => e._id);
  const [row] = await mongoose.connection.db!.collection('plans').aggregate([{ $match: { tenantId, userId: { $exists: true } } }, { $unwind: '$goals' }, { $unwind: '$goals.activities' }, { $match: { 'goals.activities.completionEventId': { $in: ids } } }, { $count: 'done' }]).toArray();
  const applied = statuses.find((s) => s._id === 'applied')?.n ?? 0;
  const done = (row?.done as number | undefined) ?? 0;
  const tally = statuses.map((s) => `${s.n} ${s._id}`).join(', ');
  return { applied, twice, done, summary: `${tally}; ${done} plan activities done, ${twice} applied twice` };
}
