import { mongo, Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { Harness, Persona, Session, SimulatedPlatform } from './harness';

const DAY = 86_400_000;

/** A wall-clock time in the district's zone, `days` from now at `hh:mm`. */
export const wall = (days: number, hhmm = '09:00') => `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)}T${hhmm}`;

/** A canvas district with a catalog, a time zone, PD staff and teachers who each have a draft plan with one goal. */
export interface SessionsWorld {
  staff: Session;
  people: Partial<Record<Persona, Session>>;
  goals: Map<Persona, string>;
  workshopId: string;
  userOf(persona: Persona): Promise<users.UserDoc>;
  personaOf(userId: Types.ObjectId): Promise<Persona>;
  /** Schedules a session through the form (2 seats, ten days ahead, unless told otherwise); its id. */
  schedule(fields?: Record<string, string>): Promise<string>;
  register(p: Persona, sessionId: string): ReturnType<Session['post']>;
  sessionDoc(id: string): Promise<mongo.WithId<mongo.Document> | null>;
  registrations(id: string): Promise<mongo.WithId<mongo.Document>[]>;
}

export async function sessionsWorld(h: Harness, platform: SimulatedPlatform, personas: Persona[]): Promise<SessionsWorld> {
  const tenantId = platform.tenantId;
  await frameworks.ensureSampleFramework(tenantId);
  await catalog.ensureSampleCatalog(tenantId);
  await tenants.updatePolicy(tenantId, { timeZone: 'America/Chicago' });
  const userOf = async (persona: Persona) => (await users.findBySub(tenantId, platform.users[persona].sub))!;
  const staff = await h.launchAs(platform, 'pdlead');
  const people: Partial<Record<Persona, Session>> = {};
  const goals = new Map<Persona, string>();
  for (const p of personas) {
    people[p] = await h.launchAs(platform, p);
    const u = await userOf(p);
    const by = { userId: u._id, name: u.name };
    const plan = await plans.ensureDraftPlan(tenantId, u._id, by);
    const goal = await plans.addGoal(tenantId, plan._id, { statement: 'Check understanding in every lesson with quick formative checks', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in four of five lessons', targetDate: wall(300).slice(0, 10) }, by);
    goals.set(p, String(goal._id));
  }
  const workshopId = String((await catalog.listActivities(tenantId, { kind: 'workshop' })).find((a) => a.cost < 500)!._id);
  const world: SessionsWorld = {
    staff,
    people,
    goals,
    workshopId,
    userOf,
    async personaOf(userId) {
      for (const p of Object.keys(people) as Persona[]) if ((await userOf(p))._id.equals(userId)) return p;
      throw new Error('not a test persona');
    },
    async schedule(fields = {}) {
      const res = await staff.post('/sessions', { activityId: workshopId, startsAt: wall(10), endsAt: wall(10, '12:00'), place: 'Lincoln Elementary, room 12', seatLimit: '2', ...fields });
      if (res.status !== 303) throw new Error(`scheduling failed (${res.status})`);
      return /\/sessions\/([a-f0-9]{24})/.exec(res.headers.location)![1]!;
    },
    register: (p, id) => people[p]!.post(`/sessions/${id}/register`, { goalId: goals.get(p) }),
    sessionDoc: (id) => h.db().collection('pdsessions').findOne({ _id: new Types.ObjectId(id) }),
    registrations: (id) => h.db().collection('sessionregistrations').find({ sessionId: new Types.ObjectId(id) }).toArray(),
  };
  return world;
}
