import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { Actor } from '../../kernel/actor';
import { Forbidden, Invalid, Conflict } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { addNavItem } from '../../web/nav';
import { actorOf, requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canManageCredit } from '../policy';
import { awardsText, kindRow, ruleText } from '../presenter';
import { CLOCK_HOURS, creditEarned } from '../rules';
import * as credit from '../service';

const PATH = '/credit/settings';
const MINIMUM_ROWS = 3;

export function requireCreditStaff(res: Response): Actor {
  const actor = actorOf(res);
  if (!canManageCredit(actor, { _id: actor.tenantId })) throw new Forbidden('Only PD staff manage credit and renewals.');
  return actor;
}

const typed = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** Credit types and renewal rules; `form` says which form failed, and keeps what was typed in it. */
async function settingsPage(res: Response, opts: { done?: string; form?: 'type' | 'rule'; err?: Invalid | Conflict; body?: Record<string, unknown> } = {}) {
  const actor = requireCreditStaff(res);
  const [kinds, rules, activities] = await Promise.all([credit.creditKinds(actor.tenantId), credit.renewalRules(actor.tenantId), catalog.listActivities(actor.tenantId)]);
  const settings = await credit.activityCredit(actor.tenantId, activities.map((a) => a._id));
  const body = opts.body ?? {};
  const minimumRows = Array.from({ length: MINIMUM_ROWS }, (_, i) => ({ category: typed(body, `minCategory_${i}`), amount: typed(body, `minAmount_${i}`) }));
  const categories = [...new Set(activities.flatMap((a) => [...a.competencies, a.kind]))].sort();
  res.render('credit/settings', {
    title: 'Credit and renewal',
    done: opts.done ?? '',
    kinds: kinds.map(kindRow),
    kindOptions: kinds.map((k) => ({ value: k.key, label: k.name })),
    categoryOptions: categories.map((c) => ({ value: c, label: c })),
    rules: rules.map((r) => ({ name: r.name, text: ruleText(r, kinds) })),
    activities: activities.map((a) => {
      const s = settings.get(String(a._id));
      return { id: String(a._id), title: a.title, earns: awardsText(creditEarned(a.hours, s?.awards ?? [], kinds), kinds), stipend: s?.stipend ?? 0 };
    }),
    typeForm: opts.form === 'type' ? { values: { name: typed(body, 'name'), clockHoursPerUnit: typed(body, 'clockHoursPerUnit') }, errors: opts.err?.fields ?? {}, message: opts.err?.message } : { values: { name: '', clockHoursPerUnit: '' }, errors: {} },
    ruleForm: opts.form === 'rule'
      ? { values: { name: typed(body, 'name'), years: typed(body, 'years'), creditType: typed(body, 'creditType'), required: typed(body, 'required') }, minimumRows, errors: opts.err?.fields ?? {}, message: opts.err?.message }
      : { values: { name: '', years: '5', creditType: CLOCK_HOURS, required: '' }, minimumRows, errors: {} },
  });
}

const ActivityParams = (req: Request) => new Types.ObjectId(objectId.parse(req.params.activityId));

async function activityPage(res: Response, activityId: Types.ObjectId, err?: Invalid | Conflict, body?: Record<string, unknown>) {
  const actor = requireCreditStaff(res);
  const [activity, kinds, settings] = await Promise.all([catalog.getActivity(actor.tenantId, activityId), credit.creditKinds(actor.tenantId), credit.activityCredit(actor.tenantId, [activityId])]);
  const current = settings.get(String(activityId));
  const rows = kinds.filter((k) => k.key !== CLOCK_HOURS).map((k) => {
    const award = current?.awards.find((a) => a.typeKey === k.key);
    return {
      key: k.key,
      name: k.name,
      checked: body ? body[`award_${k.key}`] === 'on' : !!award,
      amount: body ? typed(body, `amount_${k.key}`) : award?.amount !== undefined ? String(award.amount) : '',
      converted: creditEarned(activity.hours, [{ typeKey: k.key }], kinds)[1]?.amount ?? 0,
    };
  });
  res.render('credit/activity', { title: `Credit for ${activity.title}`, activity: { id: String(activity._id), title: activity.title, hours: activity.hours }, rows, stipend: body ? typed(body, 'stipend') : String(current?.stipend ?? ''), errors: err?.fields ?? {}, message: err?.message });
}

export function registerCreditSettingsPages(): void {
  addNavItem({ label: 'Credit and renewal', path: PATH, section: 'district', order: 84, visible: (a) => canManageCredit(a, { _id: a.tenantId }) });
}

/** PD staff: the district's credit types, renewal rules, and the credit each catalog activity awards. */
export function creditSettingsRoutes(router: Router): void {

  router.get(PATH, handle(async (req, res) => settingsPage(res, { done: typeof req.query.done === 'string' ? req.query.done.slice(0, 200) : '' })));

  router.post('/credit/types', requireCsrf, formRoute(
    async (req, res) => {
      const actor = requireCreditStaff(res);
      const kind = await credit.addCreditType(actor.tenantId, req.body, actor);
      res.redirect(303, res.locals.link(PATH, { done: `Added the credit type ${kind.name}.` }));
    },
    (req, res, err) => settingsPage(res, { form: 'type', err, body: req.body }),
  ));

  router.post('/credit/rules', requireCsrf, formRoute(
    async (req, res) => {
      const actor = requireCreditStaff(res);
      const rule = await credit.addRenewalRule(actor.tenantId, req.body, actor);
      res.redirect(303, res.locals.link(PATH, { done: `Added the renewal rule ${rule.name}.` }));
    },
    (req, res, err) => settingsPage(res, { form: 'rule', err, body: req.body }),
  ));

  router.get('/credit/activities/:activityId', handle(async (req, res) => activityPage(res, ActivityParams(req))));

  router.post('/credit/activities/:activityId', requireCsrf, formRoute(
    async (req, res) => {
      const actor = requireCreditStaff(res);
      const activity = await catalog.getActivity(actor.tenantId, ActivityParams(req));
      await credit.setActivityCredit(actor.tenantId, activity._id, req.body, actor);
      res.redirect(303, res.locals.link(PATH, { done: `Saved the credit for ${activity.title}; completions from now on earn it.` }));
    },
    (req, res, err) => activityPage(res, ActivityParams(req), err, req.body),
  ));
}
