import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as users from '../../users/service';
import { LIVE_STATUSES, PdSession, PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { CODE_ALPHABET, CODE_LENGTH, sessionInputIn, sessionTimes } from '../rules';
import { getSession } from './common';
import { promoteWaitlist } from './registrations';

type Id = Types.ObjectId;

export function newSignInCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)]).join('');
}

/** Sessions from `from` on (all when not given), soonest first; optionally of one activity or facilitator. */
export function listSessions(tenantId: TenantId, f: { from?: Date; until?: Date; activityId?: Id; facilitatorId?: Id; ids?: Id[] } = {}): Promise<PdSessionDoc[]> {
  const q: Record<string, unknown> = {};
  if (f.from || f.until) q.endsAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.until ? { $lt: f.until } : {}) };
  if (f.activityId) q.activityId = f.activityId;
  if (f.facilitatorId) q.facilitatorIds = f.facilitatorId;
  if (f.ids) q._id = { $in: f.ids };
  return PdSession.find(scoped(tenantId, q)).sort({ startsAt: 1 }).lean<PdSessionDoc[]>();
}

/** People PD staff can name as facilitators: those granted the role, and PD staff themselves. */
export async function facilitatorChoices(tenantId: TenantId): Promise<users.UserDoc[]> {
  const [granted, staff] = await Promise.all([users.listUsers(tenantId, { grant: 'facilitator' }), users.listPdStaff(tenantId)]);
  return [...new Map([...granted, ...staff].map((u) => [String(u._id), u])).values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function validated(tenantId: TenantId, raw: unknown, timeZone: string) {
  const parsed = sessionInputIn(timeZone).safeParse(raw);
  if (!parsed.success) throw new Invalid('The session has problems; nothing was saved.', fieldErrors(parsed.error));
  const input = parsed.data;
  const { times, problems } = sessionTimes(input, timeZone);
  const activity = await catalog.getActivity(tenantId, input.activityId).catch(() => undefined);
  if (!activity || activity.status === 'retired') problems.activityId = 'Choose an activity the catalog offers';
  const allowed = new Set((await facilitatorChoices(tenantId)).map((u) => String(u._id)));
  if (input.facilitatorIds.some((id) => !allowed.has(id))) problems.facilitatorIds = 'Choose facilitators from the list';
  if (Object.keys(problems).length) throw new Invalid('The session has problems; nothing was saved.', problems);
  const fields = {
    activityId: new Types.ObjectId(input.activityId),
    ...times,
    place: input.place ?? '',
    onlineUrl: input.onlineUrl ?? '',
    facilitatorIds: [...new Set(input.facilitatorIds)].map((id) => new Types.ObjectId(id)),
  };
  return { fields, seatLimit: input.seatLimit };
}

function summary(s: Pick<PdSessionDoc, 'startsAt' | 'endsAt' | 'place' | 'onlineUrl' | 'seatLimit' | 'status'>) {
  return { startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), place: s.place, online: !!s.onlineUrl, seats: s.seatLimit, status: s.status };
}

export async function createSession(tenantId: TenantId, raw: unknown, timeZone: string, by: ChangedBy): Promise<PdSessionDoc> {
  const { fields, seatLimit } = await validated(tenantId, raw, timeZone);
  const created = (await PdSession.create({ tenantId, ...fields, seatLimit, seatsLeft: seatLimit, signInCode: newSignInCode() })).toObject() as unknown as PdSessionDoc;
  await audit.record(tenantId, { actor: by, action: 'session.created', subject: { kind: 'session', id: created._id }, after: summary(created) });
  return created;
}

/**
 * Saves an edit; the seat limit moves the free-seat counter by the difference in the same conditional
 * update, so registrations meanwhile are neither lost nor oversold. More seats promote the waitlist.
 */
export async function updateSession(tenantId: TenantId, id: Id, raw: unknown, timeZone: string, by: ChangedBy): Promise<PdSessionDoc> {
  const before = await getSession(tenantId, id);
  if (before.status === 'cancelled') throw new Conflict('This session was cancelled; it cannot be changed.');
  const { fields, seatLimit } = await validated(tenantId, raw, timeZone);
  const taken = before.seatLimit - before.seatsLeft;
  if (seatLimit < taken) throw new Invalid('The session has problems; nothing was saved.', { seatLimit: `${taken} people already have a seat; keep at least ${taken} seats` });
  const after = await PdSession.findOneAndUpdate(
    scoped(tenantId, { _id: id, seatLimit: before.seatLimit, seatsLeft: { $gte: before.seatLimit - seatLimit } }),
    { $set: { ...fields, seatLimit }, $inc: { seatsLeft: seatLimit - before.seatLimit, sequence: 1 } },
    { new: true },
  ).lean<PdSessionDoc>();
  if (!after) throw new Conflict('Someone registered or changed this session at the same moment; nothing was saved. Please check the seats and try again.');
  await audit.record(tenantId, { actor: by, action: 'session.updated', subject: { kind: 'session', id }, before: summary(before), after: summary(after) });
  if (seatLimit > before.seatLimit) await promoteWaitlist(tenantId, after);
  if (summary(before).startsAt !== summary(after).startsAt || before.place !== after.place || before.onlineUrl !== after.onlineUrl) await tellEveryone(tenantId, after, 'changed');
  return after;
}

/** Cancels the session for everyone: their invites become cancellations and each is told. */
export async function cancelSession(tenantId: TenantId, id: Id, by: ChangedBy): Promise<PdSessionDoc> {
  const after = await PdSession.findOneAndUpdate(scoped(tenantId, { _id: id, status: 'scheduled' }), { $set: { status: 'cancelled' }, $inc: { sequence: 1 } }, { new: true }).lean<PdSessionDoc>();
  if (!after) throw new Conflict('This session is already cancelled.');
  await audit.record(tenantId, { actor: by, action: 'session.cancelled', subject: { kind: 'session', id }, after: summary(after) });
  await tellEveryone(tenantId, after, 'cancelled');
  return after;
}

async function tellEveryone(tenantId: TenantId, session: PdSessionDoc, what: 'changed' | 'cancelled'): Promise<void> {
  const activity = await catalog.getActivity(tenantId, session.activityId);
  const people = await Registration.find(scoped(tenantId, { sessionId: session._id, status: { $in: LIVE_STATUSES } })).lean<RegistrationDoc[]>();
  for (const r of people) {
    await notices.notify(tenantId, {
      userId: r.userId,
      kind: `session.${what}`,
      title: what === 'cancelled' ? `Cancelled: ${activity.title}` : `Changed: ${activity.title}`,
      body: what === 'cancelled' ? 'The session you registered for was cancelled. Your calendar invite now shows it as cancelled.' : 'The time or place of a session you registered for changed. Download the invite again or let your calendar feed update it.',
      link: `/sessions/${session._id}`,
      dedupeKey: `session.${what}:${session._id}:${session.sequence}:${r.userId}`,
    });
  }
}
