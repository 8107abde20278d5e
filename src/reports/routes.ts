import { calendarDay } from '../kernel/validation';
import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as groups from '../groups/service';
import * as pathways from '../pathways/service';
import * as users from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf } from '../web/request';
import { fieldErrors, Forbidden, Invalid } from '../kernel/errors';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import { canViewApprovalOverview, canViewReports, mayViewCourseParticipantsProgress, seesWholeDistrict, shouldAskForCourseAccess } from './policy';
import { chartData, courseAccessHelp, courseProgressView, headlineCards, queueRows, queueStatusChoices, reportCsv, reportSection } from './presenter';
import * as reports from './service';

const blank = (v: unknown) => (v === '' ? undefined : v);
const isoDay = z.preprocess(blank, calendarDay.optional());
const FilterQuery = z
  .object({
    from: isoDay,
    to: isoDay,
    group: z.preprocess(blank, z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a group from the list').optional()),
    pathway: z.preprocess(blank, z.string().regex(/^[a-z0-9-]{1,60}$/, 'Choose a pathway from the list').optional()),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.to < q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end date is before the start date' });
  });
type FilterValues = z.infer<typeof FilterQuery>;
const KeyParams = z.object({ key: z.enum(reports.REPORT_KEYS) });
const QueueQuery = z.object({
  group: z.preprocess(blank, z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a group from the list').optional()),
  status: z.preprocess(blank, z.enum(reports.QUEUE_STATUSES, 'Choose a status from the list').default('submitted')),
  overCap: z.preprocess((v) => v === 'on' || v === '1', z.boolean()),
});

function requireReports(actor: Actor): void {
  if (!canViewReports(actor, actor)) throw new Forbidden('Reports are for district PD staff.');
}

const dayStart = (s: string) => new Date(`${s}T00:00:00Z`);

function filterOf(q: FilterValues): reports.ReportFilter {
  return {
    from: q.from ? dayStart(q.from) : undefined,
    to: q.to ? new Date(dayStart(q.to).getTime() + 86_400_000) : undefined,
    groupId: q.group ? new Types.ObjectId(q.group) : undefined,
    slug: q.pathway,
  };
}

/** Filters from the query string; bad values are reported next to their fields and the unfiltered page is shown. */
function parseFilters(req: Request): { values: Record<string, string>; filter: reports.ReportFilter; errors: Record<string, string> } {
  const raw = Object.fromEntries(['from', 'to', 'group', 'pathway'].map((k) => [k, typeof req.query[k] === 'string' ? (req.query[k] as string) : '']));
  const parsed = FilterQuery.safeParse(raw);
  if (!parsed.success) return { values: raw, filter: {}, errors: fieldErrors(parsed.error) };
  return { values: raw, filter: filterOf(parsed.data), errors: {} };
}

async function filterChoices(actor: Actor) {
  const [allGroups, all] = await Promise.all([groups.listGroups(actor.tenantId), pathways.latestVersions(actor.tenantId)]);
  return {
    groups: allGroups.map((g) => ({ value: String(g._id), label: g.name })),
    pathways: all.map(({ latest, published }) => ({ value: latest.slug, label: (published ?? latest).title })),
  };
}

function csvQuery(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v));
}

/** Who the approval overview covers: the whole district for PD staff, an approver's own schools and groups otherwise. */
async function queueScope(actor: Actor, groupId?: string): Promise<Types.ObjectId[] | undefined> {
  const chosen = groupId ? await groups.memberIdsOf(actor.tenantId, [new Types.ObjectId(groupId)]) : undefined;
  const own = seesWholeDistrict(actor, actor) ? undefined : actor.approverScope;
  if (!own) return chosen;
  return (chosen ?? [...own].map((id) => new Types.ObjectId(id))).filter((id) => own.has(String(id)));
}

async function renderQueue(req: Request, res: Response): Promise<void> {
  const actor = actorOf(res);
  if (!canViewApprovalOverview(actor, actor)) throw new Forbidden('The district approval overview is for PD staff and approvers.');
  const raw = { group: String(req.query.group ?? ''), status: String(req.query.status ?? ''), overCap: String(req.query.overCap ?? '') };
  const parsed = QueueQuery.safeParse(raw);
  if (!parsed.success) throw new Invalid('Some filters are not valid.', fieldErrors(parsed.error));
  const whole = seesWholeDistrict(actor, actor);
  const scope = await queueScope(actor, parsed.data.group);
  const rows = await reports.approvalQueue(actor.tenantId, { userIds: scope, status: parsed.data.status, overCapOnly: parsed.data.overCap }, actor.policy);
  const myGroups = whole ? await groups.listGroups(actor.tenantId) : await groups.groupsOf(actor.tenantId, actor.userId);
  res.render('reports/approvals', {
    title: 'Approvals across the district',
    whole,
    noGroups: !whole && !myGroups.length,
    values: { ...raw, status: parsed.data.status, overCap: parsed.data.overCap },
    groups: myGroups.map((g) => ({ value: String(g._id), label: g.name })),
    statuses: queueStatusChoices(),
    rows: queueRows(rows),
  });
}

/** The course the actor launched from, as the policy sees it; never a course named in the request. */
function launchCourse(actor: Actor) {
  return actor.context && { tenantId: actor.tenantId, contextId: actor.context.id };
}

function seesCourseProgress(actor: Actor): boolean {
  const course = launchCourse(actor);
  return !!course && mayViewCourseParticipantsProgress(actor, course);
}

async function pdStaffNames(actor: Actor): Promise<string[]> {
  return (await users.listPdStaff(actor.tenantId)).map((u) => u.name).filter(Boolean);
}

async function renderCourseProgress(_req: Request, res: Response): Promise<void> {
  const actor = actorOf(res);
  if (!seesCourseProgress(actor)) {
    throw new Forbidden(shouldAskForCourseAccess(actor) ? courseAccessHelp(await pdStaffNames(actor)).join(' ') : 'Only the instructors of this course see its participants’ PD progress, and only where the district allows it.');
  }
  const progress = await reports.courseParticipantsProgress(actor.tenantId, actor.context!.id, { sub: actor.sub, pdStaff: actor.roles.has('pdStaff') });
  res.render('reports/course-progress', { title: 'Participants’ PD progress', ...courseProgressView(progress, actor.locale) });
}

/** On an instructor's home: the way to the course's progress, or in plain words how to get access. */
async function courseInstructorPanel(actor: Actor) {
  const help = seesCourseProgress(actor) ? [] : shouldAskForCourseAccess(actor) ? courseAccessHelp(await pdStaffNames(actor)) : undefined;
  return help && { order: 12, view: 'reports/instructor-panel', data: { course: actor.context!.title || actor.context!.label, help } };
}

/** Its links in the top navigation, the course-instructor panel on every home and the staff headline. */
export function registerReportPages(): void {
  addNavItem({ label: 'Reports', path: '/reports', section: 'district', order: 60, visible: (a) => canViewReports(a, a) });
  addNavItem({ label: 'Course progress', path: '/course-progress', section: 'mine', order: 22, visible: seesCourseProgress });
  for (const kind of ['teacher', 'coach', 'staff'] as const) addHomePanel(kind, courseInstructorPanel);
  addHomePanel('staff', async (actor) => {
    if (!canViewReports(actor, actor)) return undefined;
    const { headline, waiting, waitingOverCap } = await reports.districtAtAGlance(actor.tenantId, actor.policy);
    return { order: 4, view: 'reports/staff-panel', data: { cards: headlineCards(headline), waiting, waitingOverCap } };
  });
}

export function reportsRouter(): Router {
  const router = Router();

  router.get('/reports', handle(async (req, res) => {
    const actor = actorOf(res);
    requireReports(actor);
    const { values, filter, errors } = parseFilters(req);
    const [set, sync, choices] = await Promise.all([reports.allReports(actor.tenantId, filter, actor.policy), reports.syncPanel(actor.tenantId), filterChoices(actor)]);
    const sections = reports.REPORT_KEYS.map((key) => reportSection(key, set[key] as never));
    if (Object.keys(errors).length) res.status(400);
    res.render('reports/index', {
      title: 'Reports',
      values,
      errors,
      choices,
      csvQuery: csvQuery(Object.keys(errors).length ? {} : values),
      cards: headlineCards(reports.headline(set)),
      sections,
      charts: chartData(sections),
      sync,
    });
  }));

  router.get('/reports/approvals', handle(renderQueue));
  router.get('/course-progress', handle(renderCourseProgress));

  router.get('/reports/:key.csv', handle(async (req, res) => {
    const actor = actorOf(res);
    requireReports(actor);
    const { key } = KeyParams.parse(req.params);
    const { filter, errors } = parseFilters(req);
    if (Object.keys(errors).length) throw new Invalid('Some filters are not valid.', errors);
    const rows = await reports.report(actor.tenantId, key, filter, actor.policy);
    res.attachment(`pd-${key}-${new Date().toISOString().slice(0, 10)}.csv`);
    res.type('text/csv; charset=utf-8').send(reportCsv(key, rows as never));
  }));

  return router;
}
