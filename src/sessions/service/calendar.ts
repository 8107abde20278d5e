import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { config } from '../../config';
import { scoped, TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import { CalendarFeed, PdSession, PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { calendarFile, CalendarEntry } from '../presenter';

// Calendar invites (one session) and the per-person feed (all their sessions), RFC 5545 via `ics`.

type Id = Types.ObjectId;

/** Feeds keep cancelled and past sessions this long, so subscribed calendars see them change. */
const FEED_HISTORY_MS = 90 * 86_400_000;

const fingerprint = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');

async function entries(tenantId: TenantId, regs: RegistrationDoc[]): Promise<CalendarEntry[]> {
  const sessions = await PdSession.find(scoped(tenantId, { _id: { $in: regs.map((r) => r.sessionId) } })).lean<PdSessionDoc[]>();
  const activities = new Map((await catalog.getActivities(tenantId, sessions.map((s) => s.activityId))).map((a) => [String(a._id), a]));
  const bySession = new Map(sessions.map((s) => [String(s._id), s]));
  return regs.flatMap((r) => {
    const session = bySession.get(String(r.sessionId));
    const activity = session && activities.get(String(session.activityId));
    return session && activity ? [{ session, activity, registration: r }] : [];
  });
}

/** Registrations no calendar hears of: a seat held for approval (the invite comes with it) and a declined one. */
const NO_INVITE = ['awaiting-approval', 'declined'];

/** The invite of a person's own registration for a session: updated, or a cancellation, as the session is now. */
export async function inviteFor(tenantId: TenantId, sessionId: Id, userId: Id): Promise<string> {
  const reg = await Registration.findOne(scoped(tenantId, { sessionId, userId, status: { $nin: NO_INVITE } })).lean<RegistrationDoc>();
  if (!reg) throw new NotFound('Your registration for this session');
  return calendarFile(await entries(tenantId, [reg]), config().publicUrl, 'invite');
}

/** Makes (or replaces) the person's secret feed address; the old one stops working at once. Shown once. */
export async function issueFeed(tenantId: TenantId, by: ChangedBy): Promise<string> {
  const token = `${tenantId.toHexString()}.${crypto.randomBytes(24).toString('base64url')}`;
  await CalendarFeed.updateOne(scoped(tenantId, { userId: by.userId }), { $set: { tokenHash: fingerprint(token), createdAt: new Date() }, $unset: { lastReadAt: 1 } }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'calendar-feed.issued', subject: { kind: 'user', id: by.userId } });
  return `${config().publicUrl}/calendar/${token}.ics`;
}

export async function revokeFeed(tenantId: TenantId, by: ChangedBy): Promise<boolean> {
  const { deletedCount } = await CalendarFeed.deleteOne(scoped(tenantId, { userId: by.userId }));
  if (deletedCount) await audit.record(tenantId, { actor: by, action: 'calendar-feed.revoked', subject: { kind: 'user', id: by.userId } });
  return deletedCount > 0;
}

export async function feedOf(tenantId: TenantId, userId: Id): Promise<{ createdAt: Date; lastReadAt?: Date | null } | null> {
  return CalendarFeed.findOne(scoped(tenantId, { userId })).lean();
}

const FEED_TOKEN = /^([a-f0-9]{24})\.([\w-]{20,64})$/;

/** The feed behind a secret address, or undefined for an unknown or revoked one. */
export async function readFeed(token: string, now = new Date()): Promise<string | undefined> {
  const tenantHex = FEED_TOKEN.exec(token)?.[1];
  if (!tenantHex) return undefined;
  const tenantId = new Types.ObjectId(tenantHex);
  const feed = await CalendarFeed.findOneAndUpdate(scoped(tenantId, { tokenHash: fingerprint(token) }), { $set: { lastReadAt: now } }).lean();
  if (!feed) return undefined;
  const regs = await Registration.find(scoped(tenantId, { userId: feed.userId, status: { $nin: NO_INVITE } })).lean<RegistrationDoc[]>();
  const cutoff = now.getTime() - FEED_HISTORY_MS;
  return calendarFile((await entries(tenantId, regs)).filter((e) => e.session.endsAt.getTime() >= cutoff), config().publicUrl, 'feed');
}
