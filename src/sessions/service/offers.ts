import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import { PdSession, PdSessionDoc } from '../model';
import { registrationClosedReason } from '../rules';
import { registrationsOf } from './registrations';

type Id = Types.ObjectId;

/** A catalog activity's upcoming sessions as one teacher meets the activity in their plan or a pathway. */
export interface SessionsOfActivity {
  /** Upcoming sessions taking registrations now. */
  open: number;
  /** The person's live place (seat, held seat or waitlist) in the soonest upcoming session that has one. */
  mine?: { session: PdSessionDoc; status: string; waitlistNumber?: number };
}

/** Upcoming, not cancelled sessions of these activities (by activity id) and the person's place in them: two reads. */
export async function sessionsOfActivities(tenantId: TenantId, activityIds: Id[], userId: Id, now = new Date()): Promise<Map<string, SessionsOfActivity>> {
  const out = new Map<string, SessionsOfActivity>();
  if (!activityIds.length) return out;
  const upcoming = await PdSession.find(scoped(tenantId, { activityId: { $in: activityIds }, status: 'scheduled', endsAt: { $gte: now } })).sort({ startsAt: 1 }).lean<PdSessionDoc[]>();
  if (!upcoming.length) return out;
  const places = new Map((await registrationsOf(tenantId, userId, upcoming.map((s) => s._id))).map((r) => [String(r.sessionId), r]));
  for (const s of upcoming) {
    const entry = out.get(String(s.activityId)) ?? { open: 0 };
    if (!registrationClosedReason(s, now)) entry.open += 1;
    const r = places.get(String(s._id));
    if (r && !entry.mine) entry.mine = { session: s, status: r.status, waitlistNumber: r.waitlistNumber ?? undefined };
    out.set(String(s.activityId), entry);
  }
  return out;
}
