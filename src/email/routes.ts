import express, { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { AppError, Forbidden, NotFound } from '../kernel/errors';
import { formList } from '../kernel/validation';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import { addNavItem } from '../web/nav';
import { actorOf, requireCsrf } from '../web/request';
import { handle } from '../web/route';
import { canChooseEmails, canEditEmailSettings, getsApproverEmails } from './policy';
import { openView, preferencesView, settingsView, unsubscribeView } from './presenter';
import * as email from './service';

const KindList = z.object({ on: formList(z.enum(email.EMAIL_KINDS)) });
const Done = z.object({ done: z.enum(['saved']).optional() });

/** The PD-staff settings link in the District menu (the preferences page is linked from Notices and every email). */
export function registerEmailPages(): void {
  addNavItem({ label: 'Email settings', path: '/email/settings', section: 'district', order: 88, visible: (a) => canEditEmailSettings(a, { _id: a.tenantId }) });
}

function requireSettingsEditor(res: Response) {
  const actor = actorOf(res);
  if (!canEditEmailSettings(actor, { _id: actor.tenantId })) throw new Forbidden('Only PD staff can change the district’s email settings.');
  return actor;
}

export function emailRouter(): Router {
  const router = Router();

  router.get('/email/preferences', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canChooseEmails(actor, { tenantId: actor.tenantId, userId: actor.userId })) throw new Forbidden();
    const choices = await email.choicesOf(actor.tenantId, actor.userId);
    const approves = getsApproverEmails(actor);
    res.render('email/preferences', { title: 'Email preferences', saved: Done.parse(req.query).done === 'saved', ...preferencesView(choices, { approves, enabled: email.emailEnabled(), address: actor.email }) });
  }));

  router.post('/email/preferences', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canChooseEmails(actor, { tenantId: actor.tenantId, userId: actor.userId })) throw new Forbidden();
    const { on } = KindList.parse(req.body);
    // Kinds this person is not shown (approvers' emails) keep their current choice.
    const approves = getsApproverEmails(actor);
    const choices = await email.choicesOf(actor.tenantId, actor.userId);
    const shown = new Set(preferencesView(choices, { approves, enabled: true }).kinds.map((k) => k.value));
    const effective = email.effectiveChoices(choices);
    const wanted = new Set([...on.filter((k) => shown.has(k)), ...email.EMAIL_KINDS.filter((k) => !shown.has(k) && effective[k])]);
    await email.saveChoices(actor.tenantId, actor.userId, wanted, actor);
    res.redirect(303, res.locals.link('/email/preferences', { done: 'saved' }));
  }));

  router.get('/email/settings', handle(async (req, res) => {
    const actor = requireSettingsEditor(res);
    res.render('email/settings', { title: 'Email settings', saved: Done.parse(req.query).done === 'saved', enabled: email.emailEnabled(), ...settingsView(await email.copyManagersOn(actor.tenantId)) });
  }));

  router.post('/email/settings', requireCsrf, handle(async (req, res) => {
    const actor = requireSettingsEditor(res);
    const { on } = KindList.parse(req.body);
    await email.saveCopyManagersOn(actor.tenantId, on, actor);
    res.redirect(303, res.locals.link('/email/settings', { done: 'saved' }));
  }));
  return router;
}

const TokenQuery = z.object({ token: z.string().max(1000) });
const OpenParams = z.object({ tenantId: z.string().refine((v) => Types.ObjectId.isValid(v)) });
// Only the path is kept (a query or fragment the notice carried is dropped): it is shown, never followed.
const OpenQuery = z.object({ to: z.preprocess((v) => (typeof v === 'string' ? v.split(/[?#]/)[0] : v), z.string().max(300).regex(/^\/[a-z0-9/_-]*$/i)).default('/notifications') });

class LinkRefused extends AppError {
  constructor() {
    super(400, 'This unsubscribe link does not work', 'It may be incomplete, changed or too old. Open PD Pathways from your LMS and choose your emails under Notices → Email preferences.');
  }
}

/** The genuine token of a person still in PD Pathways, from the query (RFC 8058 posts there) or the form. */
async function unsubscribeOf(raw: unknown): Promise<email.Unsubscribe> {
  const parsed = TokenQuery.safeParse(raw);
  const token = parsed.success ? await email.readUnsubscribe(parsed.data.token) : undefined;
  if (!token) throw new LinkRefused();
  const person = await users.getUser(token.tenantId, token.userId).catch(() => undefined);
  if (!person) throw new LinkRefused();
  return token;
}

/** Reached from an email, outside the LMS: unsubscribe (GET asks, POST applies) and the "open it from your LMS" page. */
export function publicEmailRouter(): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 });

  router.get('/email/unsubscribe', handle(async (req, res) => {
    const token = await unsubscribeOf(req.query);
    res.render('email/unsubscribe', { title: 'Stop these emails', token: (req.query as { token: string }).token, done: false, ...unsubscribeView(token.kind) });
  }));

  // A mail client's one-click POST (List-Unsubscribe-Post) carries the token in the URL; the confirm page's form in its body.
  router.post('/email/unsubscribe', form, handle(async (req, res) => {
    const token = await unsubscribeOf(req.body?.token ? req.body : req.query);
    const changed = await email.turnOff(token.tenantId, token.userId, token.kind);
    res.render('email/unsubscribe', { title: 'Emails stopped', done: true, changed, ...unsubscribeView(token.kind) });
  }));

  router.get('/email/open/:tenantId', handle(async (req, res) => {
    const params = OpenParams.safeParse(req.params);
    const query = OpenQuery.safeParse(req.query);
    if (!params.success || !query.success) throw new NotFound('That link');
    const tenant = await tenants.getTenant(new Types.ObjectId(params.data.tenantId)).catch(() => {
      throw new NotFound('That link');
    });
    res.render('email/open', { title: 'Open PD Pathways from your LMS', ...openView(tenant.name, query.data.to) });
  }));
  return router;
}
