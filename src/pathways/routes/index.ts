import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import * as credentials from '../../credentials/service';
import * as frameworks from '../../frameworks/service';
import * as plans from '../../plans/service';
import { Actor } from '../../kernel/actor';
import { activityLinks } from '../../web/activityLinks';
import { actorOf, requireCsrf } from '../../web/request';
import { FieldErrors, Forbidden, Invalid } from '../../kernel/errors';
import { formList, objectId, unflatten } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { addHomePanel } from '../../web/homes';
import { addNavItem } from '../../web/nav';
import { handle } from '../../web/route';
import { canCreatePathway, canManagePathway, canSelfEnrol, canViewPathway } from '../policy';
import {
  EMPTY_PATHWAY,
  inputFromForm,
  migrationRows,
  myPathway,
  pathwayCard,
  pathwayForm,
  PathwayFormValues,
  pathwayPage,
  pathwayRow,
  applyStepAction,
  valuesFromForm,
  valuesFromPathway,
  versionRows,
} from '../presenter';
import * as pathways from '../service';
import { isoDate } from '../../web/format';
import { assignRoutes, importRoutes } from './assignments';
import { managedPathway, Params, requireStaff } from './common';

const MigrateForm = z.object({ userIds: formList(objectId) });

async function formChoices(tenantId: Types.ObjectId) {
  const [activities, competencies, achievements] = await Promise.all([catalog.listActivities(tenantId), frameworks.competenciesByCode(tenantId), credentials.listAchievements(tenantId)]);
  return { activities, competencies: [...competencies.values()], achievements };
}

async function renderForm(res: Response, title: string, action: string, values: PathwayFormValues, errors: FieldErrors = {}, message?: string): Promise<void> {
  const choices = await formChoices(actorOf(res).tenantId);
  res.render('pathways/edit', { title, action, message, ...pathwayForm(values, choices, errors) });
}

/** A step button (add, move, remove) was pressed: the form comes back changed, nothing is saved. */
async function stepButton(req: Request, res: Response, title: string, action: string): Promise<boolean> {
  const pressed = typeof req.body.stepAction === 'string' ? req.body.stepAction : undefined;
  if (!pressed) return false;
  const changed = applyStepAction(valuesFromForm(unflatten(req.body)), pressed);
  if (!changed) throw new Invalid('That button is not part of the form.');
  await renderForm(res, title, action, changed);
  return true;
}

/** Validates the posted form; Invalid input comes back with errors keyed by the form's fields. */
async function parsedForm(req: Request, tenantId: Types.ObjectId): Promise<pathways.PathwayInput> {
  const { input, toFormField } = inputFromForm(unflatten(req.body));
  try {
    return await pathways.validatePathway(tenantId, input);
  } catch (err) {
    if (err instanceof Invalid) throw new Invalid(err.message, Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [toFormField(k), v])));
    throw err;
  }
}

/**
 * Whether the pathway (by slug) was placed by deep linking in this LMS course. The placements feature answers;
 * it depends on pathways, so the app hands its answer in rather than pathways importing it.
 */
export type PathwayPlacedIn = (tenantId: Types.ObjectId, contextId: string, slug: string) => Promise<boolean>;

/** The pathway was placed in the course the actor launched from: an invitation to join it. */
async function placedInCourse(placedIn: PathwayPlacedIn, actor: Actor, slug: string): Promise<boolean> {
  return actor.context ? placedIn(actor.tenantId, actor.context.id, slug) : false;
}

async function achievementName(tenantId: Types.ObjectId, id: Types.ObjectId | null | undefined): Promise<string | undefined> {
  if (!id) return undefined;
  return (await credentials.getAchievement(tenantId, id).catch(() => undefined))?.name;
}

async function renderPathway(res: Response, actor: Actor, p: pathways.PathwayDoc, enrolment: pathways.EnrolmentDoc | null, placed: boolean): Promise<void> {
  const manage = canManagePathway(actor, p);
  const [steps, competencies, achievement] = await Promise.all([pathways.stepActivities(actor.tenantId, p), frameworks.competenciesByCode(actor.tenantId), achievementName(actor.tenantId, p.achievementId)]);
  const staff = manage ? await staffFacts(actor, p) : undefined;
  const inGoal = enrolment?.goalId ? String(enrolment.goalId) : '';
  res.render('pathways/show', {
    title: p.title,
    pathway: pathwayPage(p, steps, competencies, achievement),
    manage,
    staff,
    enrolled: !!enrolment,
    mayEnrol: !enrolment && canSelfEnrol(actor, p, placed),
    offers: (await activityLinks(actor, [{ goalId: inGoal, catalogIds: p.steps.map((st) => String(st.activityId)) }]))[inGoal],
  });
}

async function staffFacts(actor: Actor, p: pathways.PathwayDoc) {
  const [versions, counts, assignments] = await Promise.all([pathways.versionsOf(actor.tenantId, p.slug), pathways.enrolmentCounts(actor.tenantId), pathways.assignmentsOf(actor.tenantId, p.slug)]);
  const current = versions.find((v) => v.status === 'published');
  const behind = current ? versions.filter((v) => v.version < current.version).reduce((n, v) => n + (counts.get(`${v.slug}@${v.version}`) ?? 0), 0) : 0;
  return {
    versions: versionRows(versions, counts),
    people: counts.get(p.slug) ?? 0,
    draftId: versions.find((v) => v.status === 'draft')?._id.toString(),
    currentId: current?._id.toString(),
    behind,
    assignments: assignments.slice(0, 20).map((a) => ({ label: a.target?.label ?? '', kind: a.target?.kind ?? '', version: a.version, due: isoDate(a.dueAt), at: isoDate((a as { createdAt?: Date }).createdAt) })),
  };
}

function listRoutes(router: Router): void {
  router.get('/pathways', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (canCreatePathway(actor)) {
      const [all, counts] = await Promise.all([pathways.latestVersions(actor.tenantId), pathways.enrolmentCounts(actor.tenantId)]);
      res.render('pathways/index', { title: 'Pathways', manage: true, rows: all.map(({ latest, published }) => pathwayRow(latest, published, counts.get(latest.slug) ?? 0)), cards: [] });
      return;
    }
    const [published, mine] = await Promise.all([pathways.listPublished(actor.tenantId), pathways.enrolmentsOf(actor.tenantId, actor.userId)]);
    const on = new Set(mine.map((e) => e.slug));
    res.render('pathways/index', { title: 'Pathways', manage: false, rows: [], cards: published.filter((p) => canViewPathway(actor, p)).map((p) => pathwayCard(p, on.has(p.slug))) });
  }));

  router.get('/pathways/mine', handle(async (_req, res) => {
    const actor = actorOf(res);
    const enrolments = await pathways.enrolmentsOf(actor.tenantId, actor.userId);
    const rows = await Promise.all(
      enrolments.map(async (e) => {
        const [p, goal] = await Promise.all([pathways.getPathway(actor.tenantId, e.pathwayId).catch(() => undefined), e.goalId ? plans.goalById(actor.tenantId, actor.userId, e.goalId) : null]);
        return { row: myPathway(e, p, goal && { planId: goal.plan._id, goal: goal.goal }), goal: goal?.goal };
      }),
    );
    const offers = await activityLinks(actor, rows.flatMap((r) => (r.goal ? [{ goalId: String(r.goal._id), catalogIds: plans.catalogActivitiesToDo(r.goal) }] : [])));
    res.render('pathways/mine', { title: 'My pathways', pathways: rows.map((r) => ({ ...r.row, offers: (r.goal && offers[String(r.goal._id)]) || {} })) });
  }));
}

function editRoutes(router: Router): void {
  router.get('/pathways/new', handle(async (_req, res) => {
    requireStaff(actorOf(res));
    await renderForm(res, 'New pathway', '/pathways', EMPTY_PATHWAY);
  }));

  router.post('/pathways', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireStaff(actor);
      if (await stepButton(req, res, 'New pathway', '/pathways')) return;
      const created = await pathways.createPathway(actor.tenantId, await parsedForm(req, actor.tenantId), actor);
      res.redirect(303, res.locals.link(`/pathways/${created._id}`));
    },
    async (req, res, err) => {
      requireStaff(actorOf(res));
      await renderForm(res, 'New pathway', '/pathways', valuesFromForm(unflatten(req.body)), err.fields, err.message);
    },
  ));

  router.get('/pathways/:id/edit', handle(async (req, res) => {
    const p = await managedPathway(actorOf(res), Params.parse(req.params).id);
    if (p.status !== 'draft') throw new Invalid('Published versions are not edited in place: use “Edit as a new version”.');
    await renderForm(res, `Edit ${p.title} (version ${p.version} draft)`, `/pathways/${p._id}`, valuesFromPathway(p));
  }));

  router.post('/pathways/:id', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const p = await managedPathway(actor, Params.parse(req.params).id);
      if (await stepButton(req, res, `Edit ${p.title} (version ${p.version} draft)`, `/pathways/${p._id}`)) return;
      await pathways.updateDraft(actor.tenantId, p._id, await parsedForm(req, actor.tenantId), actor);
      res.redirect(303, res.locals.link(`/pathways/${p._id}`));
    },
    async (req, res, err) => {
      const p = await managedPathway(actorOf(res), Params.parse(req.params).id);
      await renderForm(res, `Edit ${p.title} (version ${p.version} draft)`, `/pathways/${p._id}`, valuesFromForm(unflatten(req.body)), err.fields, err.message);
    },
  ));

  const lifecycle: [string, (tenantId: Types.ObjectId, id: Types.ObjectId, by: Actor) => Promise<{ _id: Types.ObjectId } | void>][] = [
    ['revise', (t, id, by) => pathways.startRevision(t, id, by).then((d) => ({ _id: d._id }))],
    ['publish', (t, id, by) => pathways.publish(t, id, by).then((d) => ({ _id: d._id }))],
    ['archive', (t, id, by) => pathways.archive(t, id, by)],
  ];
  for (const [step, run] of lifecycle) {
    router.post(`/pathways/:id/${step}`, requireCsrf, handle(async (req, res) => {
      const actor = actorOf(res);
      const p = await managedPathway(actor, Params.parse(req.params).id);
      const landed = await run(actor.tenantId, p._id, actor);
      const id = landed ? landed._id : p._id;
      res.redirect(303, res.locals.link(step === 'revise' ? `/pathways/${id}/edit` : `/pathways/${id}`));
    }));
  }

  router.post('/pathways/:id/delete', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const p = await managedPathway(actor, Params.parse(req.params).id);
    await pathways.deleteDraft(actor.tenantId, p._id, actor);
    const left = await pathways.versionsOf(actor.tenantId, p.slug);
    res.redirect(303, res.locals.link(left[0] ? `/pathways/${left[0]._id}` : '/pathways'));
  }));
}

function enrolRoutes(router: Router, placedIn: PathwayPlacedIn): void {
  router.get('/pathways/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const asked = await pathways.getPathway(actor.tenantId, Params.parse(req.params).id);
    const enrolment = await pathways.enrolmentFor(actor.tenantId, asked.slug, actor.userId);
    // PD staff see the version asked for; people on the pathway their own version; others the current one.
    const p = canManagePathway(actor, asked) ? asked : enrolment ? await pathways.getPathway(actor.tenantId, enrolment.pathwayId) : await pathways.currentOf(actor.tenantId, asked._id);
    if (!canViewPathway(actor, p, enrolment)) throw new Forbidden('This pathway is not available.');
    await renderPathway(res, actor, p, enrolment, !enrolment && (await placedInCourse(placedIn, actor, p.slug)));
  }));

  router.post('/pathways/:id/enrol', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const p = await pathways.currentOf(actor.tenantId, Params.parse(req.params).id);
    const placed = await placedInCourse(placedIn, actor, p.slug);
    if (!canSelfEnrol(actor, p, placed)) throw new Forbidden('This pathway is not open for self-enrolment; your PD office assigns it.');
    await pathways.selfEnrol(actor.tenantId, p._id, actor, { placedInCourse: placed });
    res.redirect(303, res.locals.link('/pathways/mine'));
  }));

  router.get('/pathways/:id/migrate', handle(async (req, res) => {
    const actor = actorOf(res);
    const p = await managedPathway(actor, Params.parse(req.params).id);
    res.render('pathways/migrate', { title: `Move people to version ${p.version}`, pathway: { id: String(p._id), title: p.title, version: p.version }, rows: migrationRows(await pathways.migrationPreview(actor.tenantId, p)), result: undefined });
  }));

  router.post('/pathways/:id/migrate', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const p = await managedPathway(actor, Params.parse(req.params).id);
    const { userIds } = MigrateForm.parse(req.body);
    if (!userIds.length) throw new Invalid('Choose at least one person to move; nobody was moved.', { userIds: 'Choose at least one person' });
    const result = await pathways.migrate(actor.tenantId, p, userIds.map((id) => new Types.ObjectId(id)), actor);
    res.redirect(303, res.locals.link(`/pathways/${p._id}`, { migrated: result.migrated }));
  }));
}

/** Its links in the top navigation, and the teacher's and staff's home panels. */
export function registerPathwayPages(): void {
  addNavItem({ label: 'Pathways', path: '/pathways', section: 'explore', order: 50, visible: () => true });
  addNavItem({ label: 'My pathways', path: '/pathways/mine', section: 'mine', order: 14, visible: () => true });
  addHomePanel('teacher', async (actor) => {
    const mine = await pathways.enrolmentsOf(actor.tenantId, actor.userId);
    const open = (await pathways.listPublished(actor.tenantId)).filter((p) => canSelfEnrol(actor, p) && !mine.some((e) => e.slug === p.slug));
    if (!mine.length && !open.length) return undefined;
    return { order: 20, view: 'pathways/teacher-panel', data: { mine: mine.length, open: open.slice(0, 3).map((p) => pathwayCard(p, false)) } };
  });
  addHomePanel('staff', async (actor) => {
    if (!canCreatePathway(actor)) return undefined;
    const all = await pathways.latestVersions(actor.tenantId);
    const counts = await pathways.enrolmentCounts(actor.tenantId);
    return {
      order: 5,
      view: 'pathways/staff-panel',
      data: {
        published: all.filter((x) => x.published).length,
        drafts: all.filter((x) => x.latest.status === 'draft').map(({ latest, published }) => pathwayRow(latest, published, counts.get(latest.slug) ?? 0)),
        people: [...counts.entries()].filter(([k]) => !k.includes('@')).reduce((n, [, v]) => n + v, 0),
      },
    };
  });
}

export function pathwaysRouter(placedIn: PathwayPlacedIn): Router {
  const router = Router();
  listRoutes(router);
  importRoutes(router);
  editRoutes(router);
  assignRoutes(router);
  enrolRoutes(router, placedIn);
  return router;
}
