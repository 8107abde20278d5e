import { Types } from 'mongoose';
import type { Db } from 'mongodb';
import { demoRoster } from '../src/demo/platform';
import { seedDemoTenant } from '../src/demo/seed';
import { Tenant } from '../src/tenants/model';

type Doc = Record<string, unknown>;
type Id = Types.ObjectId;

const DAY_MS = 86_400_000;
/** Small enough that the single-threaded embedded server answers the drivers' heartbeats between batches. */
const BATCH = 1000;

export interface DistrictSize {
  teachers: number;
  goalsPerPlan: number;
  ledgerPerTeacher: number;
  schools: number;
}

export interface District {
  tenantId: Id;
  size: DistrictSize;
  counts: Record<string, number>;
  seconds: number;
}

/** A copy of a stored document with fresh `_id`s for its embedded parts; other ids are kept. */
export function copy<T>(value: T): T {
  if (value instanceof Types.ObjectId || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '_id' && v instanceof Types.ObjectId ? new Types.ObjectId() : copy(v)])) as T;
  }
  return value;
}

export async function insertAll(db: Db, name: string, count: number, make: (i: number) => Doc): Promise<void> {
  for (let from = 0; from < count; from += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => make(from + k));
    await db.collection(name).insertMany(docs, { ordered: false });
  }
}

async function one(db: Db, name: string, filter: Doc): Promise<Doc> {
  const found = await db.collection(name).findOne(filter);
  if (!found) throw new Error(`the demo seed left no ${name} matching ${JSON.stringify(filter)}`);
  return found;
}

/** The demo tenant's documents, made by the features' own services: the shapes the clones copy. */
async function templates(db: Db, tenantId: Id) {
  const { users } = demoRoster('canvas');
  const person = (key: string) => one(db, 'users', { tenantId, sub: users[key]!.sub });
  const [teacher, teacher2, teacher3] = await Promise.all([person('teacher'), person('teacher2'), person('teacher3')]);
  const ownGoalPlan = await one(db, 'plans', { tenantId, userId: teacher2._id, current: true });
  const assignedPlan = await one(db, 'plans', { tenantId, userId: teacher3._id, current: true });
  const assignedGoal = (assignedPlan.goals as Doc[]).find((g) => (g.origin as Doc).kind !== 'teacher')!;
  const enrolment = await one(db, 'enrolments', { tenantId, userId: teacher3._id });
  const assignment = await one(db, 'assignments', { tenantId });
  const event = await one(db, 'completionEvents', { tenantId, status: 'not-in-plan' });
  return { teacher, ownGoal: (ownGoalPlan.goals as Doc[])[0]!, ownGoalPlan, assignedGoal, enrolment, assignment, event };
}

type Templates = Awaited<ReturnType<typeof templates>>;

function goalsFor(t: Templates, i: number, size: DistrictSize, assignmentKey: string, now: number): Doc[] {
  const assigned = { ...copy(t.assignedGoal), origin: { ...(t.assignedGoal.origin as Doc), assignmentKey } };
  const own = Array.from({ length: size.goalsPerPlan - 1 }, (_, g) => {
    const done = (i + g) % 4 === 0;
    return { ...copy(t.ownGoal), statement: `Goal ${g + 1}: formative checks in every lesson (${i})`, status: done ? 'completed' : 'open', progress: done ? 1 : ((i + g) % 3) / 3, ...(done ? { completedAt: new Date(now - ((i + g) % 300) * DAY_MS) } : {}) };
  });
  if (i % 3 === 0) Object.assign(assigned, { status: 'completed', progress: 1, completedAt: new Date(now - (i % 90) * DAY_MS) });
  return [assigned, ...own];
}

const PLAN_STATUSES = ['active', 'submitted', 'active', 'draft'];

/**
 * A district at `size`: the demo tenant (framework, catalog, pathways, the five demo people) seeded by the
 * services, then teachers, schools, assignments, plans and the ledger cloned from those documents and
 * written with insertMany in batches (the services would take hours at this size).
 */
export async function seedDistrict(db: Db, issuer: string, size: DistrictSize): Promise<District> {
  const started = performance.now();
  const tenant = await Tenant.findOne({ issuer }).lean();
  if (!tenant) throw new Error(`no tenant for ${issuer}`);
  const tenantId = tenant._id;
  await seedDemoTenant(tenantId, { flavor: 'canvas', roster: demoRoster('canvas') });
  const t = await templates(db, tenantId);
  const now = Date.now();
  // the demo teacher (Maya) gets a district-sized plan too, so her home and plan pages are measured at scale
  const teacherIds: Id[] = [t.teacher._id as Id, ...Array.from({ length: size.teachers - 1 }, () => new Types.ObjectId())];
  await insertAll(db, 'users', size.teachers - 1, (i) => ({
    ...copy(t.teacher),
    _id: teacherIds[i + 1],
    sub: `bench-teacher-${i}`,
    status: 'active',
    name: `Teacher ${i}`,
    aliases: { canvasId: String(200000 + i), email: `teacher${i}@bench.example`, sourcedId: `BENCH-${i}` },
    coachIds: [],
  }));
  const perSchool = Math.ceil(size.teachers / size.schools);
  const schoolIds = Array.from({ length: size.schools }, () => new Types.ObjectId());
  await insertAll(db, 'groups', size.schools, (s) => ({ _id: schoolIds[s], tenantId, name: `Bench School ${s}`, nameKey: `bench school ${s}`, kind: 'school', description: '', memberIds: teacherIds.slice(s * perSchool, (s + 1) * perSchool), createdAt: new Date(), updatedAt: new Date(), __v: 0 }));
  const assignmentIds = schoolIds.map(() => new Types.ObjectId());
  await insertAll(db, 'assignments', size.schools, (s) => ({ ...copy(t.assignment), _id: assignmentIds[s], target: { kind: 'group', groupId: schoolIds[s], label: `Bench School ${s}` } }));
  const keyOf = (i: number) => `${assignmentIds[Math.floor(i / perSchool)]}:${teacherIds[i]}`;
  const planIds = teacherIds.map(() => new Types.ObjectId());
  await insertAll(db, 'plans', size.teachers, (i) => {
    const status = PLAN_STATUSES[i % PLAN_STATUSES.length];
    return { ...copy(t.ownGoalPlan), _id: planIds[i], userId: teacherIds[i], status, goals: goalsFor(t, i, size, keyOf(i), now), approvals: [], ...(status === 'submitted' ? { submittedAt: new Date(now - (i % 20) * DAY_MS) } : {}), rev: 1 };
  });
  await insertAll(db, 'enrolments', size.teachers, (i) => ({ ...copy(t.enrolment), _id: new Types.ObjectId(), userId: teacherIds[i], assignmentId: assignmentIds[Math.floor(i / perSchool)], assignmentKey: keyOf(i), planId: planIds[i], enrolledAt: new Date(now - (i % 200) * DAY_MS) }));
  const sources = ['canvas-rest', 'canvas-live', 'moodle-ws', 'webhook', 'csv'];
  await insertAll(db, 'completionEvents', size.teachers * size.ledgerPerTeacher, (n) => {
    const i = n % size.teachers;
    const completedAt = new Date(now - (n % 700) * DAY_MS);
    const source = sources[n % sources.length];
    return { ...t.event, _id: new Types.ObjectId(), source, idempotencyKey: `${source}|lms:bench|canvasId:${200000 + i}|${n}`, lmsUserId: String(200000 + i), userId: teacherIds[i], userName: `Teacher ${i}`, completedAt, status: n % 10 ? 'applied' : 'not-in-plan', timeline: [], receivedAt: completedAt, createdAt: completedAt, updatedAt: completedAt };
  });
  const counts = Object.fromEntries(await Promise.all(['users', 'plans', 'groups', 'enrolments', 'completionEvents'].map(async (c) => [c, await db.collection(c).countDocuments({ tenantId })] as const)));
  return { tenantId, size, counts, seconds: (performance.now() - started) / 1000 };
}
