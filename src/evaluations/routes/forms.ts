import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import { Actor } from '../../kernel/actor';
import { Conflict, Forbidden, Invalid } from '../../kernel/errors';
import { objectId, unflatten } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { actorOf, requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canBuildEvaluations } from '../policy';
import { editorRows, formSummary, kindChoices, measureChoices, renumberErrors } from '../presenter';
import * as evaluations from '../service';

const Params = z.object({ id: objectId });
const SettingForm = z.object({ use: z.enum(evaluations.FORM_USES, { message: 'Choose which form it uses' }), requiredForCredit: z.literal('on').optional() });
const AnonymityForm = z.object({ anonymousToFacilitators: z.literal('on').optional(), anonymousToStaff: z.literal('on').optional() });
const Done = z.object({ done: z.enum(['saved', 'version', 'setting', 'anonymity']).optional(), released: z.coerce.number().int().min(0).max(100000).optional() });

export const by = (actor: Actor) => ({ userId: actor.userId, name: actor.name });

function requireBuilder(actor: Actor): void {
  if (!canBuildEvaluations(actor)) throw new Forbidden('Only PD staff build evaluation forms.');
}

const USE_LABELS: Record<evaluations.FormUse, string> = { district: 'The district form', own: 'Its own form', none: 'No evaluation' };

function confirmation(done: z.infer<typeof Done>): string | undefined {
  if (done.done === 'saved') return 'The form was saved. Participants see it when they next open an evaluation.';
  if (done.done === 'version') return 'The form was saved as a new version: the earlier version has responses, which stay with the questions they answered.';
  if (done.done === 'anonymity') return 'Who sees names next to answers was saved.';
  if (done.done === 'setting') return done.released ? `The activity’s evaluation was saved, and ${done.released} attendance${done.released === 1 ? ' that was' : 's that were'} waiting for an evaluation ${done.released === 1 ? 'was' : 'were'} credited.` : 'The activity’s evaluation was saved.';
  return undefined;
}

async function renderIndex(req: Request, res: Response, err?: Invalid | Conflict, failedActivity?: string): Promise<void> {
  const actor = actorOf(res);
  const [district, activities, settings, anonymity] = await Promise.all([
    evaluations.currentForm(actor.tenantId, evaluations.DISTRICT),
    catalog.listActivities(actor.tenantId),
    evaluations.activitySettings(actor.tenantId),
    evaluations.anonymity(actor.tenantId),
  ]);
  const own = new Map(await Promise.all(activities.map(async (a) => [String(a._id), formSummary(await evaluations.currentForm(actor.tenantId, evaluations.scopeKeyOf(a._id)))] as const)));
  res.render('evaluations/index', {
    title: 'Evaluations',
    district: formSummary(district),
    anonymity,
    minAnonymous: evaluations.MIN_ANONYMOUS_RESPONSES,
    uses: evaluations.FORM_USES.map((u) => ({ value: u, label: USE_LABELS[u] })),
    activities: activities.map((a) => {
      const id = String(a._id);
      const setting = settings.get(id) ?? { use: 'district', requiredForCredit: false };
      const typed = failedActivity === id ? { use: String(req.body?.use ?? setting.use), requiredForCredit: req.body?.requiredForCredit === 'on' } : setting;
      return { id, title: a.title, own: own.get(id), setting: typed, error: failedActivity === id ? err?.message : undefined };
    }),
    confirmation: confirmation(Done.catch({}).parse(req.query)),
    message: failedActivity ? undefined : err?.message,
  });
}

async function renderEditor(res: Response, activityId: string | undefined, err?: Invalid | Conflict, typed?: Record<string, unknown>): Promise<void> {
  const actor = actorOf(res);
  const activity = activityId ? await catalog.getActivity(actor.tenantId, activityId) : undefined;
  const current = await evaluations.currentForm(actor.tenantId, evaluations.scopeKeyOf(activityId));
  const typedRows = typed && Array.isArray(typed.questions) ? (typed.questions as Parameters<typeof editorRows>[0]['typed']) : undefined;
  res.render('evaluations/edit', {
    title: activity ? `Evaluation form: ${activity.title}` : 'District evaluation form',
    action: activityId ? `/evaluations/forms/activities/${activityId}` : '/evaluations/forms/district',
    current: formSummary(current),
    values: { title: String(typed?.title ?? current?.title ?? (activity ? `Evaluation: ${activity.title}` : 'Session evaluation')), intro: String(typed?.intro ?? current?.intro ?? 'Your answers help us improve PD sessions. It takes about two minutes.') },
    rows: editorRows(typed ? { typed: typedRows ?? [] } : { questions: current?.questions }),
    fromTemplate: !current && !typed,
    kinds: kindChoices,
    measures: measureChoices,
    message: err?.message,
    errors: renumberErrors(typedRows, err?.fields ?? {}),
  });
}

/** PD staff: the district form, activities' own forms and settings, and who sees names. */
export function formRoutes(router: Router): void {
  router.get('/evaluations', handle(async (req, res) => {
    requireBuilder(actorOf(res));
    await renderIndex(req, res);
  }));

  router.get('/evaluations/forms/district/edit', handle(async (_req, res) => {
    requireBuilder(actorOf(res));
    await renderEditor(res, undefined);
  }));

  router.get('/evaluations/forms/activities/:id/edit', handle(async (req, res) => {
    requireBuilder(actorOf(res));
    await renderEditor(res, Params.parse(req.params).id);
  }));

  const saveRoute = (activityOf: (req: Request) => string | undefined) => formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireBuilder(actor);
      const activityId = activityOf(req);
      const { newVersion } = await evaluations.saveForm(actor.tenantId, activityId ? new Types.ObjectId(activityId) : undefined, unflatten(req.body), by(actor));
      res.redirect(303, res.locals.link('/evaluations', { done: newVersion ? 'version' : 'saved' }));
    },
    (req, res, err) => renderEditor(res, activityOf(req), err, unflatten(req.body)),
  );
  router.post('/evaluations/forms/district', requireCsrf, saveRoute(() => undefined));
  router.post('/evaluations/forms/activities/:id', requireCsrf, saveRoute((req) => Params.parse(req.params).id));

  router.post('/evaluations/activities/:id/setting', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireBuilder(actor);
      const { id } = Params.parse(req.params);
      const form = SettingForm.safeParse(req.body);
      if (!form.success) throw new Invalid('Choose which form the activity uses; nothing was saved.');
      const { released } = await evaluations.setActivitySetting(actor.tenantId, new Types.ObjectId(id), { use: form.data.use, requiredForCredit: form.data.requiredForCredit === 'on' }, by(actor));
      res.redirect(303, res.locals.link('/evaluations', { done: 'setting', released: released || undefined }));
    },
    (req, res, err) => renderIndex(req, res, err, Params.parse(req.params).id),
  ));

  router.post('/evaluations/settings', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    requireBuilder(actor);
    const form = AnonymityForm.parse(req.body);
    await evaluations.setAnonymity(actor.tenantId, { anonymousToFacilitators: form.anonymousToFacilitators === 'on', anonymousToStaff: form.anonymousToStaff === 'on' }, by(actor));
    res.redirect(303, res.locals.link('/evaluations', { done: 'anonymity' }));
  }));
}
