import { Types } from 'mongoose';
import * as assessments from '../assessments/service';
import * as completions from '../completions/service';
import { TenantId } from '../db/tenancy';
import * as frameworks from '../frameworks/service';
import * as groups from '../groups/service';
import * as pathways from '../pathways/service';
import * as plans from '../plans/service';
import type { TenantPolicy } from '../kernel/tenantPolicy';
import { learnsInCourse, teachesCourse } from '../lti/message/roles';
import * as users from '../users/service';
import * as tenants from '../tenants/service';
import { courseRoster } from '../lti/services/nrps';
import { Forbidden, Invalid } from '../kernel/errors';
import {
  ActivityRow,
  CapRow,
  CompetencyRow,
  CourseProgress,
  GrowthRow,
  Headline,
  ParticipationRow,
  REPORT_KEYS,
  ReportFilter,
  ReportKey,
  ReportSet,
  ReviewRow,
  SchoolRow,
  SourceRow,
  TimeRow,
} from './model';

export { REPORT_KEYS };
export type { CourseProgress, ReportFilter, ReportKey, ReportSet };
type Id = Types.ObjectId;
type Caps = Pick<TenantPolicy, 'maxCostPerYear' | 'maxHoursPerYear' | 'minHoursPerYear'>;

const DAY_MS = 86_400_000;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const uniqueIds = (ids: Id[]) => [...new Map(ids.map((id) => [String(id), id])).values()];
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * What several reports of one page read (the people in scope, enrolments with their goals, plan loads,
 * pathway titles) is read once per filter object: the reports page and the console build every report
 * from one filter, so each read runs once per request; a new request brings a new filter, never old numbers.
 */
const sharedReads = new WeakMap<ReportFilter, Map<string, Promise<unknown>>>();
function readOnce<T>(tenantId: TenantId, f: ReportFilter, what: string, read: () => Promise<T>): Promise<T> {
  const reads = sharedReads.get(f) ?? new Map<string, Promise<unknown>>();
  sharedReads.set(f, reads);
  const key = `${tenantId}|${what}`;
  if (!reads.has(key)) reads.set(key, read());
  return reads.get(key) as Promise<T>;
}

/** The people a report covers: members of the chosen group, on the chosen pathway; undefined is everyone. */
export function scopeOf(tenantId: TenantId, f: ReportFilter): Promise<Id[] | undefined> {
  return readOnce(tenantId, f, 'scope', () => readScope(tenantId, f));
}

async function readScope(tenantId: TenantId, f: ReportFilter): Promise<Id[] | undefined> {
  let ids: Id[] | undefined;
  if (f.groupId) ids = await groups.memberIdsOf(tenantId, [f.groupId]);
  if (f.slug) ids = uniqueIds((await pathways.reportEnrolments(tenantId, { slug: f.slug, userIds: ids })).map((e) => e.userId));
  return ids;
}

/** Enrolments in the period (and scope), each with its goal from the person's plan. */
async function enrolmentsWithGoals(tenantId: TenantId, f: ReportFilter) {
  return readOnce(tenantId, f, 'enrolled', async () => readEnrolmentsWithGoals(tenantId, f, await scopeOf(tenantId, f)));
}

async function readEnrolmentsWithGoals(tenantId: TenantId, f: ReportFilter, scope: Id[] | undefined) {
  // Goals are matched to enrolments by assignment, so the scope's goals serve (everyone's when the scope is the
  // district): one read of every plan's head costs less than a `$in` of every enrolled person.
  const [enrolments, figured] = await Promise.all([pathways.reportEnrolments(tenantId, { from: f.from, to: f.to, slug: f.slug, userIds: scope }), plansWithFigures(tenantId, f)]);
  const byKey = new Map(plans.reportAssignedGoals(figured).map((g) => [g.assignmentKey, g]));
  return enrolments.map((e) => ({ enrolment: e, goal: byKey.get(e.assignmentKey) }));
}

function pathwayTitles(tenantId: TenantId, f: ReportFilter): Promise<Map<string, pathways.PathwayDoc>> {
  return readOnce(tenantId, f, 'titles', async () => new Map((await pathways.latestVersions(tenantId)).map(({ latest, published }) => [latest.slug, published ?? latest])));
}

/** Each current plan's load in the scope. */
async function planLoad(tenantId: TenantId, f: ReportFilter): Promise<plans.PlanLoadRow[]> {
  return readOnce(tenantId, f, 'load', async () => plans.reportPlanLoad(await plansWithFigures(tenantId, f)));
}

/** Every plan of the scope's people with its figures, which most reports count. */
function plansWithFigures(tenantId: TenantId, f: ReportFilter): Promise<plans.FiguredPlan[]> {
  return readOnce(tenantId, f, 'figures', async () => plans.plansWithFigures(tenantId, { userIds: await scopeOf(tenantId, f) }));
}

/** Rows grouped by a key, in first-seen order. */
function groupedBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const key = keyOf(r);
    const list = out.get(key);
    if (list) list.push(r);
    else out.set(key, [r]);
  }
  return out;
}

const bySlug = <T extends { enrolment: { slug: string } }>(rows: T[]) => groupedBy(rows, (r) => r.enrolment.slug);

/** Participation and completion by pathway: enrolled in the period, completed, under way, not started, overdue. */
export async function participation(tenantId: TenantId, f: ReportFilter, now = new Date()): Promise<ParticipationRow[]> {
  const rows = await enrolmentsWithGoals(tenantId, f);
  const titles = await pathwayTitles(tenantId, f);
  return [...bySlug(rows)].map(([slug, list]) => {
    const done = list.filter((r) => r.goal?.status === 'completed');
    const open = list.filter((r) => r.goal?.status !== 'completed');
    return {
      slug,
      title: titles.get(slug)?.title ?? slug,
      enrolled: list.length,
      completed: done.length,
      inProgress: open.filter((r) => (r.goal?.progress ?? 0) > 0).length,
      notStarted: open.filter((r) => !r.goal?.progress).length,
      overdue: open.filter((r) => r.enrolment.dueAt && r.enrolment.dueAt < now).length,
    };
  }).sort((a, b) => b.enrolled - a.enrolled || a.title.localeCompare(b.title));
}

/** Days from enrolment to completing the pathway, by pathway. */
export async function timeToComplete(tenantId: TenantId, f: ReportFilter): Promise<TimeRow[]> {
  const rows = (await enrolmentsWithGoals(tenantId, f)).filter((r) => r.goal?.status === 'completed' && r.goal.completedAt);
  const titles = await pathwayTitles(tenantId, f);
  return [...bySlug(rows)].map(([slug, list]) => {
    const days = list.map((r) => Math.max(0, (r.goal!.completedAt!.getTime() - r.enrolment.enrolledAt.getTime()) / DAY_MS));
    return { slug, title: titles.get(slug)?.title ?? slug, completed: list.length, medianDays: round(median(days)), averageDays: round(mean(days)), fastestDays: round(Math.min(...days)), slowestDays: round(Math.max(...days)) };
  }).sort((a, b) => a.title.localeCompare(b.title));
}

function overCap(row: plans.PlanLoadRow, caps: Caps): boolean {
  return row.costPerYear > caps.maxCostPerYear || row.hoursPerYear > caps.maxHoursPerYear;
}

/** Schools and groups side by side: people, pathway enrolments and completions, planned load and spend, over-cap plans. */
export async function bySchool(tenantId: TenantId, f: ReportFilter, caps: Caps): Promise<SchoolRow[]> {
  const scope = await scopeOf(tenantId, f);
  const inScope = scope && new Set(scope.map(String));
  const chosen = (await groups.listGroups(tenantId)).filter((g) => !f.groupId || g._id.equals(f.groupId));
  const [load, enrolled] = await Promise.all([planLoad(tenantId, f), enrolmentsWithGoals(tenantId, f)]);
  const loadOf = new Map(load.map((r) => [String(r.userId), r]));
  const enrolmentsOf = groupedBy(enrolled, (r) => String(r.enrolment.userId));
  return chosen.map((g) => {
    const members = [...new Set(g.memberIds.map(String))].filter((id) => !inScope || inScope.has(id));
    const theirLoad = members.flatMap((id) => (loadOf.has(id) ? [loadOf.get(id)!] : []));
    const theirEnrolments = members.flatMap((id) => enrolmentsOf.get(id) ?? []);
    return {
      groupId: String(g._id),
      name: g.name,
      kind: g.kind,
      members: members.length,
      enrolled: theirEnrolments.length,
      pathwaysCompleted: theirEnrolments.filter((r) => r.goal?.status === 'completed').length,
      plannedHoursPerYear: round(theirLoad.reduce((s, r) => s + r.hoursPerYear, 0)),
      plannedCostPerYear: round(theirLoad.reduce((s, r) => s + r.costPerYear, 0), 2),
      hoursDone: round(theirLoad.reduce((s, r) => s + r.doneHours, 0)),
      overCap: theirLoad.filter((r) => overCap(r, caps)).length,
    };
  });
}

/** By competency: goals in current plans (and completed), teachers working on it, pathway enrolments that build it. */
export async function byCompetency(tenantId: TenantId, f: ReportFilter): Promise<CompetencyRow[]> {
  const [figured, enrolled, titles, names] = await Promise.all([plansWithFigures(tenantId, f), enrolmentsWithGoals(tenantId, f), pathwayTitles(tenantId, f), frameworks.competenciesByCode(tenantId)]);
  const rows = new Map<string, CompetencyRow>();
  const row = (code: string) => rows.get(code) ?? rows.set(code, { code, name: frameworks.competencyName(names, code), goals: 0, goalsCompleted: 0, teachers: 0, pathwayEnrolments: 0 }).get(code)!;
  for (const g of plans.reportGoalsByCompetency(figured)) Object.assign(row(g._id), { goals: g.goals, goalsCompleted: g.completed, teachers: g.teachers });
  for (const { enrolment } of enrolled) for (const code of titles.get(enrolment.slug)?.competencies ?? []) row(code).pathwayEnrolments++;
  return [...rows.values()].sort((a, b) => a.code.localeCompare(b.code));
}

async function namesAndGroups(tenantId: TenantId, ids: Id[]): Promise<{ name: (id: Id) => string; groupsOf: (id: Id) => string }> {
  const [people, groupNames] = await Promise.all([users.namesOf(tenantId, uniqueIds(ids)), groups.groupNamesByUser(tenantId, ids)]);
  const names = new Map(people.map((u) => [String(u._id), u.name || u.aliases?.email || 'Unnamed']));
  return { name: (id) => names.get(String(id)) ?? 'Unknown', groupsOf: (id) => (groupNames.get(String(id)) ?? []).join(', ') };
}

type CapFigures = Omit<CapRow, 'userId' | 'name' | 'groups'> & { userId: Id };

/** Each current plan's hours and spend against the caps, and whether its teacher has launched yet; no names. */
async function loadAgainstCaps(tenantId: TenantId, f: ReportFilter, caps: Caps): Promise<CapFigures[]> {
  const [load, pending] = await Promise.all([planLoad(tenantId, f), users.pendingPeople(tenantId)]);
  return load.map((r) => ({
    userId: r.userId,
    status: r.status,
    // A plan made by an assignment for someone who never launched and nothing happened on it yet.
    waitingForLaunch: pending.has(String(r.userId)) && r.status === 'draft' && r.doneHours === 0,
    hoursPerYear: r.hoursPerYear,
    costPerYear: r.costPerYear,
    hoursDone: r.doneHours,
    overCost: r.costPerYear > caps.maxCostPerYear,
    overHours: r.hoursPerYear > caps.maxHoursPerYear,
    underMinimum: r.hoursPerYear < caps.minHoursPerYear,
  }));
}

/** One collator for the sorts over every teacher of a district (localeCompare builds one per call). */
const byName = new Intl.Collator().compare;

/** Hours and spend against the caps, teacher by teacher (current plans, per year of their period). */
export async function capsReport(tenantId: TenantId, f: ReportFilter, caps: Caps): Promise<CapRow[]> {
  const load = await loadAgainstCaps(tenantId, f, caps);
  const who = await namesAndGroups(tenantId, load.map((r) => r.userId));
  return load.map((r) => ({ ...r, userId: String(r.userId), name: who.name(r.userId), groups: who.groupsOf(r.userId) })).sort((a, b) => b.costPerYear - a.costPerYear || byName(a.name, b.name));
}

/** Running plans of the scope whose annual or end-of-period review is due and not done. */
async function reviewsDue(tenantId: TenantId, f: ReportFilter, now: Date) {
  return plans.reportReviewsDue(tenantId, { userIds: await scopeOf(tenantId, f) }, now);
}

/** Annual and end-of-period reviews that are due and not done, most overdue first. */
export async function overdueReviews(tenantId: TenantId, f: ReportFilter, now = new Date()): Promise<ReviewRow[]> {
  const due = await reviewsDue(tenantId, f, now);
  const who = await namesAndGroups(tenantId, due.map((d) => d.userId));
  return due
    .map((d) => ({ userId: String(d.userId), planId: String(d.planId), name: who.name(d.userId), groups: who.groupsOf(d.userId), kind: d.review.kind, dueAt: d.review.dueAt, daysOverdue: Math.floor((now.getTime() - d.review.dueAt.getTime()) / DAY_MS) }))
    .sort((a, b) => b.daysOverdue - a.daysOverdue);
}

/**
 * Growth per competency: each teacher's first self-rating (needs assessment) against their latest
 * later rating in the period (a review's self re-rating, else a later assessment).
 */
export async function growth(tenantId: TenantId, f: ReportFilter): Promise<GrowthRow[]> {
  const scope = await scopeOf(tenantId, f);
  const [ratings, reviewed, names] = await Promise.all([assessments.reportRatingsPrePost(tenantId, scope), plans.reportReviewRatings(tenantId, { userIds: scope, from: f.from, to: f.to }), frameworks.competenciesByCode(tenantId)]);
  const inPeriod = (d: Date) => (!f.from || d >= f.from) && (!f.to || d < f.to);
  const latestReview = new Map<string, { level: number; at: Date }>();
  for (const r of reviewed) {
    const key = `${r.userId}|${r.competency}`;
    if (!latestReview.has(key) || latestReview.get(key)!.at < r.at) latestReview.set(key, { level: r.level, at: r.at });
  }
  const pairs = new Map<string, { pre: number; post: number }[]>();
  for (const r of ratings) {
    const review = latestReview.get(`${r._id.userId}|${r._id.competency}`);
    const laterAssessment = r.lastAt > r.firstAt && inPeriod(r.lastAt) ? { level: r.last, at: r.lastAt } : undefined;
    const post = [review, laterAssessment].filter((p): p is { level: number; at: Date } => !!p && p.at > r.firstAt).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (post) pairs.set(r._id.competency, [...(pairs.get(r._id.competency) ?? []), { pre: r.first, post: post.level }]);
  }
  return [...pairs]
    .map(([code, list]) => {
      const pre = mean(list.map((p) => p.pre));
      const post = mean(list.map((p) => p.post));
      return { code, name: frameworks.competencyName(names, code), teachers: list.length, pre: round(pre, 2), post: round(post, 2), change: round(post - pre, 2) };
    })
    .sort((a, b) => a.code.localeCompare(b.code));
}

/** The catalog activities most completed in the period (and how many teachers planned each). */
export async function topActivities(tenantId: TenantId, f: ReportFilter): Promise<ActivityRow[]> {
  const rows = plans.reportActivityUse(await plansWithFigures(tenantId, f), f);
  return rows.map((r) => ({ title: r.title, planned: r.planned, completed: r.completed }));
}

/** Completions in the period by source: LMS sync against manual marking, evidence, CSV, webhooks. */
export async function completionSources(tenantId: TenantId, f: ReportFilter): Promise<SourceRow[]> {
  const rows = plans.reportCompletionSources(await plansWithFigures(tenantId, f), f);
  return rows.map((r) => ({ source: r._id, completions: r.completions, hours: round(r.hours) }));
}

/** One report by key (a CSV download needs just one). */
export async function report(tenantId: TenantId, key: ReportKey, f: ReportFilter, caps: Caps): Promise<ReportSet[ReportKey]> {
  const build: Record<ReportKey, () => Promise<ReportSet[ReportKey]>> = {
    participation: () => participation(tenantId, f),
    schools: () => bySchool(tenantId, f, caps),
    competencies: () => byCompetency(tenantId, f),
    caps: () => capsReport(tenantId, f, caps),
    reviews: () => overdueReviews(tenantId, f),
    time: () => timeToComplete(tenantId, f),
    growth: () => growth(tenantId, f),
    activities: () => topActivities(tenantId, f),
    sources: () => completionSources(tenantId, f),
  };
  return build[key]();
}

export async function allReports(tenantId: TenantId, f: ReportFilter, caps: Caps): Promise<ReportSet> {
  const entries = await Promise.all(REPORT_KEYS.map(async (key) => [key, await report(tenantId, key, f, caps)] as const));
  return Object.fromEntries(entries) as unknown as ReportSet;
}

/** The numbers at the top of the reports page and on the PD staff console. */
export function headline(set: { participation: ParticipationRow[]; caps: Pick<CapRow, 'waitingForLaunch' | 'costPerYear' | 'overCost' | 'overHours'>[]; reviews: unknown[]; sources: SourceRow[] }): Headline {
  const enrolled = set.participation.reduce((s, r) => s + r.enrolled, 0);
  const completed = set.participation.reduce((s, r) => s + r.completed, 0);
  return {
    teachersWithPlans: set.caps.filter((r) => !r.waitingForLaunch).length,
    waitingForLaunch: set.caps.filter((r) => r.waitingForLaunch).length,
    enrolled,
    pathwaysCompleted: completed,
    completionRate: enrolled ? Math.round((completed / enrolled) * 100) : 0,
    hoursDone: round(set.sources.reduce((s, r) => s + r.hours, 0)),
    plannedCostPerYear: round(set.caps.reduce((s, r) => s + r.costPerYear, 0), 2),
    overCap: set.caps.filter((r) => r.overCost || r.overHours).length,
    reviewsDue: set.reviews.length,
  };
}

/** The "completion sync" panel: the completions feature's own overview plus how many mappings exist. */
export async function syncPanel(tenantId: TenantId): Promise<{ summary: completions.SyncOverview; mappings: number }> {
  const [summary, mappings] = await Promise.all([completions.syncOverview(tenantId), completions.listMappings(tenantId)]);
  return { summary, mappings: mappings.length };
}

// ---------------------------------------------------------------------------------------------
// The district approval queue

export const QUEUE_STATUSES = ['submitted', 'returned', 'draft', 'active'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export interface QueueFilter {
  /** Undefined: the whole district; else only these people (an approver's schools, a chosen group). */
  userIds?: Id[];
  status: QueueStatus;
  overCapOnly: boolean;
}

export interface QueueRow {
  planId: string;
  name: string;
  groups: string;
  status: string;
  submittedAt?: Date;
  hoursPerYear: number;
  costPerYear: number;
  /** Over the cost or hours cap. */
  overCap: boolean;
  problems: string[];
}

const breaksACap = (totals: plans.PlanTotals) => totals.problems.some((x) => x.cap !== 'minHoursPerYear');

/** Plans across the district in one status, each with its load against the caps; no names. */
async function queueFigures(tenantId: TenantId, q: Omit<QueueFilter, 'overCapOnly'>, caps: Caps) {
  return (await plans.districtPlans(tenantId, { userIds: q.userIds, statuses: [q.status] })).map((p) => {
    const totals = plans.planTotals(p, caps);
    return { plan: p, totals, overCap: breaksACap(totals) };
  });
}

/** Plans across the district in one status, with their load against the caps; optionally only those over a cap. */
export async function approvalQueue(tenantId: TenantId, q: QueueFilter, caps: Caps): Promise<QueueRow[]> {
  const found = (await queueFigures(tenantId, q, caps)).filter((r) => !q.overCapOnly || r.overCap);
  const who = await namesAndGroups(tenantId, found.map((r) => r.plan.userId));
  return found.map(({ plan: p, totals, overCap }) => ({ planId: String(p._id), name: who.name(p.userId), groups: who.groupsOf(p.userId), status: p.status, submittedAt: p.submittedAt ?? undefined, hoursPerYear: totals.hoursPerYear, costPerYear: totals.costPerYear, overCap, problems: totals.problems.map((x) => x.message) }));
}

/** The console's "district at a glance": the headline numbers and how many plans wait for approval, reading no names. */
export async function districtAtAGlance(tenantId: TenantId, caps: Caps, now = new Date()): Promise<{ headline: Headline; waiting: number; waitingOverCap: number }> {
  const everyone: ReportFilter = {};
  const [enrolled, load, reviews, sources, all] = await Promise.all([participation(tenantId, everyone, now), loadAgainstCaps(tenantId, everyone, caps), reviewsDue(tenantId, everyone, now), completionSources(tenantId, everyone), plansWithFigures(tenantId, everyone)]);
  // The queue's count from the figures the headline already read, with the queue's own cap test.
  const waiting = all.filter((p) => p.current && p.status === 'submitted').map((p) => plans.loadTotals({ ...p.figures, periodStart: p.periodStart, periodEnd: p.periodEnd }, caps));
  return { headline: headline({ participation: enrolled, caps: load, reviews, sources }), waiting: waiting.length, waitingOverCap: waiting.filter(breaksACap).length };
}

/**
 * The learners of one LMS course (its NRPS roster, read now) who use PD Pathways in this tenant, each with
 * their current plan in numbers. `viewer` must be listed as the course's Instructor unless PD staff.
 */
export async function courseParticipantsProgress(tenantId: TenantId, contextId: string, viewer: { sub: string; pdStaff: boolean }): Promise<CourseProgress> {
  const course = await tenants.findContext(tenantId, contextId);
  if (!course?.nrps?.url) throw new Invalid(`${course?.title || 'This course'} has not shared its roster with PD Pathways, so its participants cannot be listed. The LMS administrator can turn on Names and Role Provisioning for PD Pathways.`);
  const { members } = await courseRoster(tenantId, course.nrps.url, { unavailable: 'The participants could not be listed' });
  if (!viewer.pdStaff && !members.some((m) => m.sub === viewer.sub && teachesCourse(m.roles))) throw new Forbidden('The LMS roster of this course does not list you as its instructor.');
  const learners = members.filter((m) => learnsInCourse(m.roles) && m.sub !== viewer.sub);
  const people = await users.launchedBySubs(tenantId, learners.map((m) => m.sub));
  const summaries = new Map((await plans.progressSummaries(tenantId, people.map((p) => p._id))).map((s) => [String(s.userId), s]));
  return {
    course: { title: course.title, label: course.label },
    participants: people.map((u) => ({ name: u.name || 'Unnamed', plan: summaries.get(String(u._id)) })),
    notLaunched: learners.length - people.length,
  };
}
