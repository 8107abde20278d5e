import { TenantId } from '../db/tenancy';
import type { TenantPolicy } from '../kernel/tenantPolicy';
import * as catalog from '../catalog/service';
import * as plans from '../plans/service';
import * as sessions from '../sessions/service';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import { safeTimeZone } from '../web/format';
import { EVALUATED_ACTIVITY } from './evaluationsSeed';
import type { DemoDistrict } from './district';

const DAY = 86_400_000;

interface DemoSession {
  activity: string;
  /** Days from today (negative: in the past) and the district-clock hour it starts at. */
  inDays: number;
  startHour: number;
  hours: number;
  seats: number;
  place?: string;
  onlineUrl?: string;
  /** Roster keys registering, in order: once the seats are taken the rest join the waitlist. */
  people: string[];
}

/**
 * One workshop full with a waitlist, an online PLC with a meeting link, and a workshop that took place two
 * days ago whose attendance the facilitator has yet to take; the facilitator persona runs all three.
 */
const DEMO_SESSIONS: DemoSession[] = [
  { activity: EVALUATED_ACTIVITY, inDays: 14, startHour: 15, hours: 3, seats: 1, place: 'Lincoln Elementary, library', people: ['teacher3', 'teacher2'] },
  { activity: 'inclusive-plc', inDays: 7, startHour: 16, hours: 1.5, seats: 25, onlineUrl: 'https://meet.district.example/pd/inclusive-plc', people: ['teacher2'] },
  { activity: EVALUATED_ACTIVITY, inDays: -2, startHour: 15, hours: 3, seats: 12, place: 'Roosevelt Middle, room 4', people: ['teacher2', 'teacher3'] },
];

/** The day `inDays` from now at `hour` on the district's clock, as a `datetime-local` value. */
function wallTime(inDays: number, hour: number, timeZone: string): string {
  const day = sessions.utcToWallTime(new Date(Date.now() + inDays * DAY), timeZone).slice(0, 10);
  return `${day}T${String(Math.floor(hour)).padStart(2, '0')}:${String(Math.round((hour % 1) * 60)).padStart(2, '0')}`;
}

/**
 * Gives the facilitator persona the Facilitator role and schedules the demo sessions through the same
 * service PD staff use, registering people into their plans' first goal. A past session is scheduled as
 * staff record one that took place, and its people registered at a moment when registration was open.
 * Made once per district (when it has no sessions yet).
 */
export async function seedDemoSessions(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const person = async (key: string) => users.findBySub(tenantId, district.roster.users[key]?.sub ?? '');
  const [lead, facilitator] = await Promise.all([person('pdlead'), person('facilitator')]);
  if (!lead || !facilitator || (await sessions.listSessions(tenantId)).length) return;
  const by = { userId: lead._id, name: lead.name };
  if (!facilitator.grants.includes('facilitator')) await users.setGrants(tenantId, facilitator._id, [...facilitator.grants, 'facilitator'], by);
  const { policy } = await tenants.getTenant(tenantId);
  const timeZone = safeTimeZone(policy.timeZone);
  const activities = await catalog.listActivities(tenantId);
  for (const s of DEMO_SESSIONS) {
    const activity = activities.find((a) => a.sampleKey === s.activity);
    if (!activity) continue;
    const starts = wallTime(s.inDays, s.startHour, timeZone);
    const session = await sessions.createSession(tenantId, {
      activityId: String(activity._id),
      startsAt: starts,
      endsAt: wallTime(s.inDays, s.startHour + s.hours, timeZone),
      place: s.place,
      onlineUrl: s.onlineUrl,
      facilitatorIds: [String(facilitator._id)],
      seatLimit: String(s.seats),
    }, timeZone, by);
    for (const key of s.people) await registerDemoPerson(tenantId, session, policy, await person(key));
  }
}

/** Registers into the person's first goal, as of a week before the session (or now, if that is earlier). */
async function registerDemoPerson(tenantId: TenantId, session: sessions.PdSessionDoc, policy: TenantPolicy, who: users.UserDoc | null): Promise<void> {
  const goal = who && (await plans.currentPlan(tenantId, who._id))?.goals[0];
  if (!who || !goal) return;
  const asOf = new Date(Math.min(Date.now(), session.startsAt.getTime() - 7 * DAY));
  await sessions.register(tenantId, session._id, policy, { userId: who._id, name: who.name }, String(goal._id), asOf);
}
