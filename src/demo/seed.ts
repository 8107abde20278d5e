import { Types } from 'mongoose';
import { TenantId } from '../db/tenancy';
import * as catalog from '../catalog/service';
import * as completions from '../completions/service';
import * as credentials from '../credentials/service';
import * as credit from '../credit/service';
import * as frameworks from '../frameworks/service';
import * as groups from '../groups/service';
import * as pathways from '../pathways/service';
import * as plans from '../plans/service';
import * as users from '../users/service';
import { seedDemoEvaluations } from './evaluationsSeed';
import { seedDemoRequests } from './requestsSeed';
import type { DemoDistrict } from './district';
import type { SimUser } from './platform';
import { seedDemoSessions } from './sessionsSeed';

/**
 * Fills a demo tenant with what a district would have set up before anyone launches: its people
 * (pending until their first launch) and, from the features, framework, catalog, pathways, PD
 * sessions and their evaluation, and outside-PD requests with their budget.
 * Every step is idempotent: it runs on each start.
 */
export async function seedDemoTenant(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  for (const u of Object.values(district.roster.users)) {
    await users.ensurePerson(tenantId, {
      name: u.name,
      email: u.email,
      sub: u.sub,
      sourcedId: u.sourcedId,
      ...(district.flavor === 'canvas' ? { canvasId: u.lmsId } : { moodleId: u.lmsId }),
    });
  }
  await assignDemoCoach(tenantId, district);
  await frameworks.ensureSampleFramework(tenantId);
  await catalog.ensureSampleCatalog(tenantId, { lmsCourseIds: [district.roster.course.id] });
  await credentials.ensureSampleAchievements(tenantId);
  await seedDemoPlan(tenantId, district);
  await seedDemoLedger(tenantId, district);
  await seedDemoPathways(tenantId, district);
  await seedDemoCredit(tenantId, district);
  await seedDemoEvaluations(tenantId, district);
  await seedDemoSessions(tenantId, district);
  await seedDemoRequests(tenantId, district);
}

/** teacher2 starts with an approved plan under way, so coach and approver pages have something to show. */
async function seedDemoPlan(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const [teacher, lead] = await Promise.all([users.findBySub(tenantId, district.roster.users.teacher2?.sub ?? ''), users.findBySub(tenantId, district.roster.users.pdlead?.sub ?? '')]);
  if (!teacher || !lead || (await plans.planHistory(tenantId, teacher._id)).length) return;
  const by = { userId: teacher._id, name: teacher.name };
  const plan = await plans.ensureDraftPlan(tenantId, teacher._id, by);
  const targetDate = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
  const goal = await plans.addGoal(tenantId, plan._id, { statement: 'Use quick formative checks in every lesson and adjust the next lesson from them', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in four of five lessons; regrouping at least weekly', targetDate }, by);
  for (const a of (await catalog.listActivities(tenantId, { competency: 'ASMT1' })).filter((x) => !x.certificateRequired && x.cost === 0).slice(0, 2)) {
    await plans.addCatalogActivity(tenantId, plan._id, goal._id, { activityId: String(a._id) }, by);
  }
  await plans.addCustomActivity(tenantId, plan._id, goal._id, { title: 'Grade-team moderation of exit tickets', hours: '40', cost: '0' }, by);
  await plans.setCommitment(tenantId, plan._id, { agreed: 'on', text: 'One planning period a week and our Thursday team meeting' }, by);
  await plans.submitPlan(tenantId, plan._id, by);
  if ((await plans.getPlan(tenantId, plan._id)).status === 'submitted') await plans.decidePlan(tenantId, plan._id, { decision: 'approve', comment: 'A focused plan.' }, { userId: lead._id, name: lead.name });
  const first = plans.findGoal(await plans.getPlan(tenantId, plan._id), goal._id).activities[0]!;
  await plans.setActivityProgress(tenantId, plan._id, goal._id, first._id, { status: 'done' }, by);
  await plans.addReflection(tenantId, plan._id, goal._id, { planActivityId: String(first._id), learned: 'Hinge questions show me who is lost before the end of the lesson.', practice: 'I plan one hinge question per lesson and regroup on the spot.' }, by);
}

/**
 * Completion sync starts with a short ledger: the demo course completed by a teacher (synced), a
 * course no activity is mapped to yet, and a learner who has not opened PD Pathways. Fixed dates keep
 * the events' idempotency keys, so restarts add nothing.
 */
async function seedDemoLedger(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const { users: people, course } = district.roster;
  const canvas = district.flavor === 'canvas';
  const base = { source: canvas ? 'canvas-rest' : 'moodle-ws', userIdKind: canvas ? 'canvasId' : 'moodleId' } as const;
  const person = (u: SimUser | undefined) => ({ lmsUserId: u?.lmsId ?? '0', userName: u?.name ?? '', userEmail: u?.email });
  await completions.ingestNew(tenantId, [
    { ...base, ...person(people.teacher2), courseId: course.id, courseTitle: course.title, completedAt: new Date('2025-09-12T15:30:00Z') },
    { ...base, ...person(people.teacher3), courseId: canvas ? '4307' : '7', courseTitle: 'Literacy Across the Content Areas', completedAt: new Date('2025-10-03T19:05:00Z') },
    { ...base, lmsUserId: canvas ? '188' : '88', userName: 'Riley Morgan', userEmail: 'riley.morgan@district.example', courseId: course.id, courseTitle: course.title, completedAt: new Date('2025-10-20T13:45:00Z') },
  ]);
  await completions.settled();
}

/**
 * Two schools and a cohort; a pathway assigned to one school, due in four months, and one open for
 * self-enrolment, so PD staff pages and reports have something to show. Each is made once.
 */
async function seedDemoPathways(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const person = async (key: string) => users.findBySub(tenantId, district.roster.users[key]?.sub ?? '');
  const [lead, teacher, teacher2, teacher3, coach] = await Promise.all(['pdlead', 'teacher', 'teacher2', 'teacher3', 'coach'].map(person));
  if (!lead || !teacher || !teacher2 || !teacher3 || !coach) return;
  const by = { userId: lead._id, name: lead.name };
  const members: [groups.GroupInput, { _id: Types.ObjectId }[]][] = [
    [{ name: 'Lincoln Elementary', kind: 'school', description: 'K–5, 420 students' }, [teacher, teacher2]],
    [{ name: 'Roosevelt Middle', kind: 'school', description: 'Grades 6–8' }, [teacher3, coach]],
    [{ name: 'New teachers 2025', kind: 'cohort', description: 'First- and second-year teachers' }, [teacher, teacher3]],
  ];
  const [, roosevelt] = await Promise.all(members.map(async ([input, people]) => {
    const group = await groups.ensureGroup(tenantId, input);
    await groups.addMembers(tenantId, group._id, people.map((p) => p._id), by);
    return group;
  }));
  const step = async (sampleKey: string) => String((await catalog.listActivities(tenantId)).find((a) => a.sampleKey === sampleKey)?._id ?? '');
  const steps = (keys: string[], electives: string[] = []) => Promise.all(keys.map(async (k) => ({ activityId: await step(k), required: !electives.includes(k) })));
  const essentials = await pathways.ensurePublishedPathway(tenantId, { title: 'Formative Assessment Essentials', summary: 'From quick checks to feedback students act on: three steps for any subject.', competencies: ['ASMT1', 'ASMT2'], targetLevel: '3', steps: await steps(['ml-wait-time', 'hinge-questions', 'formative-in-practice'], ['hinge-questions']) }, by);
  await pathways.ensurePublishedPathway(tenantId, { title: 'Sustainable Teaching', summary: 'Habits that keep good teaching going all year.', competencies: ['GROW2'], steps: await steps(['ml-boundaries', 'sustainable-teaching']), ruleKind: 'n-of-m', ruleN: '1', selfEnrol: 'on' }, by);
  if (!roosevelt || essentials.status !== 'published' || (await pathways.enrolmentsIn(tenantId, essentials.slug)).length) return;
  const due = new Date(Date.now() + 120 * 86_400_000).toISOString().slice(0, 10);
  const batch = await pathways.planForGroup(tenantId, essentials._id, roosevelt._id, due, by);
  await pathways.applyBatch(tenantId, batch._id, by);
}

/** The demo coach mentors the roster's mentees who have no coach yet, so the coach home has a caseload. */
async function assignDemoCoach(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const coach = await users.findBySub(tenantId, district.roster.users.coach?.sub ?? '');
  const mentees = district.roster.course.members.find((m) => m.userSub === coach?.sub)?.mentees ?? [];
  for (const sub of mentees) {
    const teacher = await users.findBySub(tenantId, sub);
    if (coach && teacher && !teacher.coachIds.length) await users.setCoaches(tenantId, teacher._id, [coach._id]);
  }
}

/**
 * CEUs, a five-year renewal rule, the demo teacher's cycle (started two years ago) and one conference on
 * their transcript (as a CSV import would record it), so renewal progress, transcript and certificate show.
 * The conference pays a stipend, and teacher2 attended it at seeding time, so the stipend report's default
 * period (this month) has a row.
 */
async function seedDemoCredit(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const find = (key: string) => users.findBySub(tenantId, district.roster.users[key]?.sub ?? '');
  const [teacher, teacher2, lead] = await Promise.all([find('teacher'), find('teacher2'), find('pdlead')]);
  if (!teacher || !teacher2 || !lead || (await credit.renewalRules(tenantId)).length) return;
  const by = { userId: lead._id, name: lead.name };
  await credit.addCreditType(tenantId, { name: 'CEUs', clockHoursPerUnit: '10' }, by);
  const rule = await credit.addRenewalRule(tenantId, { name: 'State licence renewal', required: '100', creditType: 'clock-hours', years: '5', minCategory_0: 'conference', minAmount_0: '10' }, by);
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
  await credit.setCycle(tenantId, teacher._id, { ruleId: String(rule._id), startsOn: daysAgo(730).toISOString().slice(0, 10) }, by);
  const summit = (await catalog.listActivities(tenantId, { kind: 'conference' }))[0];
  if (!summit) return;
  await credit.setActivityCredit(tenantId, summit._id, { award_ceus: 'on', stipend: '150' }, by);
  const attended = { title: summit.title, hours: summit.hours, source: 'csv', activityId: summit._id, provider: summit.provider, kind: summit.kind, categories: [...summit.competencies, summit.kind] };
  await credit.recordCompletion(tenantId, { ...attended, userId: teacher._id, key: `demo:${summit._id}`, completedAt: daysAgo(200) });
  await credit.recordCompletion(tenantId, { ...attended, userId: teacher2._id, key: `demo:${summit._id}:${teacher2._id}`, completedAt: new Date() });
}
