import { Response, Router } from 'express';
import { handle } from '../web/route';
import { z } from 'zod';
import * as frameworks from '../frameworks/service';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { FieldErrors, Forbidden } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { objectId } from '../kernel/validation';
import { addNavItem } from '../web/nav';
import { canCreateActivity, canManageActivity, canViewActivity } from './policy';
import { activityCard, activityForm, ActivityFormValues, choices, EMPTY_ACTIVITY, valuesFromActivity, valuesFromForm } from './presenter';
import * as catalog from './service';

const Params = z.object({ id: objectId });
const optionalNumber = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number('Enter a number').min(0, 'Enter 0 or more').optional());
const optionalChoice = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess((v) => (v === '' ? undefined : v), z.enum(values).optional());
const BrowseQuery = z.object({
  q: z.string().trim().max(100).optional().default(''),
  competency: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(20).optional()),
  kind: optionalChoice(catalog.ACTIVITY_KINDS),
  mode: optionalChoice(catalog.FORMAT_MODES),
  timing: optionalChoice(catalog.FORMAT_TIMINGS),
  maxHours: optionalNumber,
  maxCost: optionalNumber,
  retired: z.preprocess((v) => v === 'on' || v === '1', z.boolean()),
});
const StatusForm = z.object({ status: z.enum(catalog.ACTIVITY_STATUSES) });

/** The framework's competencies, or none while the district has not chosen a framework. */
async function competenciesOf(actor: Actor): Promise<frameworks.CompetencyView[]> {
  return (await frameworks.hasActiveFramework(actor.tenantId)) ? (await frameworks.activeFramework(actor.tenantId)).competencies : [];
}

function requireStaff(actor: Actor): void {
  if (!canCreateActivity(actor)) throw new Forbidden('Only PD staff can manage the catalog.');
}

async function managedActivity(actor: Actor, id: string): Promise<catalog.ActivityDoc> {
  const activity = await catalog.getActivity(actor.tenantId, id);
  if (!canManageActivity(actor, activity)) throw new Forbidden('Only PD staff can manage the catalog.');
  return activity;
}

async function renderForm(res: Response, title: string, action: string, values: ActivityFormValues, errors: FieldErrors = {}, message?: string): Promise<void> {
  const competencies = await competenciesOf(actorOf(res));
  res.render('catalog/edit', { title, action, message, ...activityForm(values, competencies, errors) });
}

/** Its links in the top navigation. */
export function registerCatalogPages(): void {
  addNavItem({ label: 'Catalog', path: '/catalog', section: 'explore', order: 45, visible: () => true });
}

export function catalogRouter(): Router {
  const router = Router();

  router.get('/catalog', handle(async (req, res) => {
    const actor = actorOf(res);
    const query = BrowseQuery.parse(req.query);
    const manage = canCreateActivity(actor);
    const competencies = await competenciesOf(actor);
    const found = await catalog.listActivities(actor.tenantId, { ...query, text: query.q, includeRetired: manage && query.retired });
    const names = new Map(competencies.map((c) => [c.code, c]));
    res.render('catalog/index', {
      title: 'Activity catalog',
      manage,
      query,
      choices: choices(competencies),
      activities: found.filter((a) => canViewActivity(actor, a)).map((a) => activityCard(a, names)),
      catalogEmpty: !found.length && !(await catalog.listActivities(actor.tenantId, { includeRetired: true })).length,
    });
  }));

  router.post('/catalog/sample', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    await catalog.ensureSampleCatalog(actor.tenantId, { by: actor });
    res.redirect(303, res.locals.link('/catalog'));
  }));

  router.get('/catalog/new', handle(async (_req, res) => {
    requireStaff(actorOf(res));
    await renderForm(res, 'Add an activity', '/catalog', EMPTY_ACTIVITY);
  }));

  router.post(
    '/catalog',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        requireStaff(actor);
        const created = await catalog.createActivity(actor.tenantId, await catalog.validateActivity(actor.tenantId, req.body), actor);
        res.redirect(303, res.locals.link(`/catalog/${created._id}`));
      },
      (req, res, err) => renderForm(res, 'Add an activity', '/catalog', valuesFromForm(req.body), err.fields, err.message),
    ),
  );

  router.get('/catalog/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const activity = await catalog.getActivity(actor.tenantId, Params.parse(req.params).id);
    if (!canViewActivity(actor, activity)) throw new Forbidden();
    const names = new Map((await competenciesOf(actor)).map((c) => [c.code, c]));
    res.render('catalog/show', { title: activity.title, activity: activityCard(activity, names), manage: canManageActivity(actor, activity) });
  }));

  router.get('/catalog/:id/edit', handle(async (req, res) => {
    const activity = await managedActivity(actorOf(res), Params.parse(req.params).id);
    await renderForm(res, `Edit ${activity.title}`, `/catalog/${activity._id}`, valuesFromActivity(activity));
  }));

  router.post(
    '/catalog/:id',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const activity = await managedActivity(actor, Params.parse(req.params).id);
        await catalog.updateActivity(actor.tenantId, activity._id, await catalog.validateActivity(actor.tenantId, req.body), actor);
        res.redirect(303, res.locals.link(`/catalog/${activity._id}`));
      },
      async (req, res, err) => {
        const activity = await managedActivity(actorOf(res), Params.parse(req.params).id);
        await renderForm(res, `Edit ${activity.title}`, `/catalog/${activity._id}`, valuesFromForm(req.body), err.fields, err.message);
      },
    ),
  );

  router.post('/catalog/:id/status', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const activity = await managedActivity(actor, Params.parse(req.params).id);
    await catalog.setActivityStatus(actor.tenantId, activity._id, StatusForm.parse(req.body).status, actor);
    res.redirect(303, res.locals.link(`/catalog/${activity._id}`));
  }));

  return router;
}
