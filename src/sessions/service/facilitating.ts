import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import { LIVE_STATUSES, PdSession, PdSessionDoc, Registration } from '../model';

type Id = Types.ObjectId;

/** How far back the facilitator home looks for attendance still to take. */
const ATTENDANCE_LOOKBACK_MS = 60 * 86_400_000;

export interface RosterCounts {
  seated: number;
  waiting: number;
  /** Registered people whose attendance is not recorded yet (a seat held for approval is taken, not yet marked). */
  unmarked: number;
}

/** Seats taken, people waiting and attendance not yet recorded, per session. */
export async function rosterCounts(tenantId: TenantId, sessionIds: Id[]): Promise<Map<string, RosterCounts>> {
  const regs = await Registration.find(scoped(tenantId, { sessionId: { $in: sessionIds }, status: { $in: LIVE_STATUSES } }), { sessionId: 1, status: 1, attendance: 1 }).lean();
  const counts = new Map(sessionIds.map((id) => [String(id), { seated: 0, waiting: 0, unmarked: 0 }]));
  for (const r of regs) {
    const c = counts.get(String(r.sessionId))!;
    if (r.status === 'waitlisted') c.waiting++;
    else {
      c.seated++;
      if (r.status === 'registered' && !r.attendance) c.unmarked++;
    }
  }
  return counts;
}

/**
 * A facilitator's sessions: those still to come (soonest first) and those started in the last 60 days
 * (latest first); cancelled ones are left out.
 */
export async function sessionsFacilitatedBy(tenantId: TenantId, userId: Id, now = new Date()): Promise<{ upcoming: PdSessionDoc[]; started: PdSessionDoc[] }> {
  const list = await PdSession.find(scoped(tenantId, { facilitatorIds: userId, status: 'scheduled', endsAt: { $gte: new Date(now.getTime() - ATTENDANCE_LOOKBACK_MS) } })).sort({ startsAt: 1 }).lean<PdSessionDoc[]>();
  return { upcoming: list.filter((s) => s.startsAt > now), started: list.filter((s) => s.startsAt <= now).reverse() };
}
