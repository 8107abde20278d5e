import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import * as completions from '../../completions/service';
import { scoped, TenantId } from '../../db/tenancy';
import { emit } from '../../events';
import { Conflict, Invalid } from '../../kernel/errors';
import * as users from '../../users/service';
import { PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { normaliseCode, signInOpen } from '../rules';
import { getSession } from './common';
import { evaluationPort } from './evaluationPort';

type Id = Types.ObjectId;

/** Most hours a person can be credited for a session: the activity's hours, or the session's length if longer. */
export function maxHours(session: Pick<PdSessionDoc, 'startsAt' | 'endsAt'>, activity: Pick<catalog.ActivityDoc, 'hours'>): number {
  return Math.max(activity.hours, Math.round(((session.endsAt.getTime() - session.startsAt.getTime()) / 3_600_000) * 100) / 100);
}

/**
 * Hands an attendance to the completion ledger and applies it to the person's plans. The ledger's
 * idempotency key (source, activity, person, session end) keeps it there once however often this runs;
 * creditedAt only records that it was done.
 */
async function credit(tenantId: TenantId, session: PdSessionDoc, reg: RegistrationDoc & { attendance: { hours: number } }): Promise<void> {
  const [person, activity] = await Promise.all([users.getUser(tenantId, reg.userId), catalog.getActivity(tenantId, session.activityId)]);
  if (!person.sub) return;
  const { eventId } = await completions.ingest(tenantId, {
    source: 'attendance',
    activityId: session.activityId,
    courseTitle: activity.title,
    lmsUserId: person.sub,
    userIdKind: 'sub',
    userName: person.name,
    completedAt: session.endsAt,
    hours: reg.attendance.hours,
    externalKey: `session:${session._id}`,
  });
  await completions.processEvent(tenantId, eventId);
  await Registration.updateOne(scoped(tenantId, { _id: reg._id, creditedAt: { $exists: false } }), { $set: { creditedAt: new Date() } });
}

/** Records attendance once (conditional on none yet); false when it was recorded before. Crediting follows (creditDue). */
async function attend(tenantId: TenantId, session: PdSessionDoc, reg: RegistrationDoc, attendance: { hours: number; method: 'roster' | 'code' }, by: ChangedBy): Promise<boolean> {
  const at = new Date();
  const saved = await Registration.findOneAndUpdate(scoped(tenantId, { _id: reg._id, status: 'registered', attendance: { $exists: false } }), { $set: { attendance: { ...attendance, at, by: by.userId } } }, { new: true }).lean<RegistrationDoc>();
  if (!saved) return false;
  await audit.record(tenantId, { actor: by, action: 'session.attended', subject: { kind: 'session', id: session._id }, after: { userId: String(reg.userId), hours: attendance.hours, method: attendance.method } });
  await emit('session.attended', { tenantId, sessionId: session._id, activityId: session.activityId, userId: reg.userId });
  return true;
}

/** Attendance recorded and not yet credited, in one session or in all sessions of an activity. */
function uncredited(tenantId: TenantId, which: { sessionId: Id } | { activityId: Id }): Promise<RegistrationDoc[]> {
  return Registration.find(scoped(tenantId, { ...which, status: 'registered', attendance: { $exists: true }, creditedAt: { $exists: false } })).lean<RegistrationDoc[]>();
}

/**
 * Credits every recorded attendance whose credit no longer waits (for the person's evaluation), in one
 * session or in an activity's sessions; says whose. It runs after every attendance, evaluation and lifted
 * wait, so a crediting that failed part-way is retried by the next one. The ledger keeps each once.
 */
export async function creditDue(tenantId: TenantId, which: { sessionId: Id } | { activityId: Id }): Promise<Id[]> {
  const credited: Id[] = [];
  const sessionsById = new Map<string, PdSessionDoc>();
  for (const reg of await uncredited(tenantId, which)) {
    const session = sessionsById.get(String(reg.sessionId)) ?? (await getSession(tenantId, reg.sessionId));
    sessionsById.set(String(session._id), session);
    if (await evaluationPort().holdsCredit(tenantId, { sessionId: session._id, activityId: session.activityId, userId: reg.userId })) continue;
    await credit(tenantId, session, reg as RegistrationDoc & { attendance: { hours: number } });
    credited.push(reg.userId);
  }
  return credited;
}

/** Whose recorded attendance of this session waits for their evaluation (the roster says so). */
export async function waitingForEvaluation(tenantId: TenantId, session: PdSessionDoc): Promise<Set<string>> {
  const waiting = new Set<string>();
  for (const reg of await uncredited(tenantId, { sessionId: session._id })) {
    if (await evaluationPort().holdsCredit(tenantId, { sessionId: session._id, activityId: session.activityId, userId: reg.userId })) waiting.add(String(reg.userId));
  }
  return waiting;
}

/** Everyone whose attendance of these sessions is recorded (credited or waiting). */
export function attendeesOf(tenantId: TenantId, sessionIds: Id[]): Promise<RegistrationDoc[]> {
  return Registration.find(scoped(tenantId, { sessionId: { $in: sessionIds }, status: 'registered', attendance: { $exists: true } })).lean<RegistrationDoc[]>();
}

export interface RosterMark {
  userId: string;
  present: boolean;
  hours?: number;
}

/**
 * The facilitator's roster: ticked people are marked present with their hours (partial hours for part
 * of a multi-day session) and credited; a tick removed before credit was given takes the mark back.
 * Credited attendance is final (the ledger is append-only). Says how many were newly marked.
 */
export async function recordRoster(tenantId: TenantId, sessionId: Id, marks: RosterMark[], by: ChangedBy): Promise<{ marked: number; unmarked: number }> {
  const session = await getSession(tenantId, sessionId);
  if (session.status === 'cancelled') throw new Conflict('This session was cancelled; there is no attendance to take.');
  if (session.startsAt.getTime() > Date.now() + 60 * 60_000) throw new Conflict('Attendance opens when the session starts.');
  const activity = await catalog.getActivity(tenantId, session.activityId);
  const most = maxHours(session, activity);
  const bad = marks.find((m) => m.present && m.hours !== undefined && (!(m.hours > 0) || m.hours > most));
  if (bad) throw new Invalid(`Hours attended are more than 0 and at most ${most}; nothing was saved.`, { [`hours.${bad.userId}`]: `Between 0 and ${most}` });
  const seated = await Registration.find(scoped(tenantId, { sessionId, status: 'registered' })).lean<RegistrationDoc[]>();
  const bySeat = new Map(seated.map((r) => [String(r.userId), r]));
  if (marks.some((m) => !bySeat.has(m.userId))) throw new Invalid('Someone on the form is not registered for this session; nothing was saved. Reload the roster.');
  let marked = 0;
  let unmarked = 0;
  for (const m of marks) {
    const reg = bySeat.get(m.userId)!;
    if (m.present && (await attend(tenantId, session, reg, { hours: m.hours ?? most, method: 'roster' }, by))) marked++;
    if (!m.present && reg.attendance && !reg.creditedAt) {
      const undone = await Registration.updateOne(scoped(tenantId, { _id: reg._id, creditedAt: { $exists: false } }), { $unset: { attendance: 1 } });
      unmarked += undone.modifiedCount;
    }
  }
  await creditDue(tenantId, { sessionId });
  return { marked, unmarked };
}

function sameCode(typed: string, expected: string): boolean {
  const a = Buffer.from(normaliseCode(typed));
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A participant signs themselves in with the session's code during its window; once. */
export async function signInWithCode(tenantId: TenantId, sessionId: Id, who: ChangedBy, code: string, now = new Date()): Promise<void> {
  const session = await getSession(tenantId, sessionId);
  const reg = await Registration.findOne(scoped(tenantId, { sessionId, userId: who.userId })).lean<RegistrationDoc>();
  if (!reg || reg.status !== 'registered') throw new Conflict(reg?.status === 'waitlisted' ? 'You are on the waitlist, not registered, so you cannot sign in; ask the facilitator.' : 'You are not registered for this session; ask the facilitator.');
  if (reg.attendance) throw new Conflict('You are already signed in to this session.');
  if (!signInOpen(session, now)) throw new Conflict('Sign-in is open only from half an hour before the session until half an hour after it ends.');
  if (!sameCode(code, session.signInCode)) throw new Invalid('That is not the code of this session; check it with the facilitator. Nothing was recorded.', { code: 'Not this session’s code' });
  const activity = await catalog.getActivity(tenantId, session.activityId);
  if (!(await attend(tenantId, session, reg, { hours: maxHours(session, activity), method: 'code' }, who))) throw new Conflict('You are already signed in to this session.');
  await creditDue(tenantId, { sessionId });
}

/** What the public page of a sign-in QR code shows, when the code is the session's (else nothing). */
export async function signInPage(tenantId: TenantId, sessionId: string, code: string): Promise<{ activityTitle: string; code: string } | undefined> {
  const session = await getSession(tenantId, sessionId).catch(() => undefined);
  if (!session || session.status === 'cancelled' || !sameCode(code, session.signInCode)) return undefined;
  return { activityTitle: (await catalog.getActivity(tenantId, session.activityId)).title, code: session.signInCode };
}
