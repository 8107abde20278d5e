import { Request, Response, Router } from 'express';
import * as credit from '../../credit/service';
import * as groups from '../../groups/service';
import { Actor } from '../../kernel/actor';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { actorOf, requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canDecideStep, canManageOutsidePd, canRequestOutsidePd, canResubmit } from '../policy';
import { budgetOption, formValues, KIND_LABELS, requestRow } from '../presenter';
import * as requests from '../service';
import { by, doneOf, readableRequest, renderRequest } from './common';

/** The new-request (or change-a-returned-request) form, with what was typed when it was refused. */
async function renderForm(res: Response, actor: Actor, opts: { request?: requests.OutsideRequestDoc; typed?: Record<string, unknown>; message?: string; errors?: Record<string, string> } = {}): Promise<void> {
  const [goals, budgets, kinds] = await Promise.all([requests.goalChoices(actor.tenantId, actor.userId), requests.openBudgets(actor.tenantId), credit.creditKinds(actor.tenantId)]);
  res.render('requests/form', {
    title: opts.request ? `Change your request: ${opts.request.title}` : 'Request outside PD',
    action: opts.request ? `/requests/${opts.request._id}/resubmit` : '/requests',
    values: formValues(opts.typed, opts.request),
    kinds: requests.REQUEST_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] })),
    creditTypes: kinds.map((k) => ({ value: k.key, label: k.name })),
    budgets: budgets.map(budgetOption),
    goals: goals.map((g) => ({ value: String(g.goalId), label: g.statement })),
    message: opts.message,
    errors: opts.errors ?? {},
  });
}

/** Requests waiting for this person's decision: every step for PD staff, approver steps of the teachers they answer for. */
async function waitingFor(actor: Actor): Promise<requests.OutsideRequestDoc[]> {
  const scope = canManageOutsidePd(actor) ? undefined : await groups.approverScope(actor.tenantId, actor.userId);
  const open = await requests.requestsIn(actor.tenantId, ['in-approval'], scope);
  return open.filter((r) => canDecideStep(actor, r));
}

function requireRequester(actor: Actor): void {
  if (!canRequestOutsidePd(actor)) throw new Forbidden('Open PD Pathways from your course to request outside PD.');
}

/** The teacher's requests and the form; approvers' and PD staff's queue; the request page and its step decisions. */
export function requestRoutes(router: Router): void {
  router.get('/requests', handle(async (_req, res) => {
    const actor = actorOf(res);
    const [mine, waiting] = await Promise.all([requests.requestsOf(actor.tenantId, actor.userId), waitingFor(actor)]);
    const proof = canManageOutsidePd(actor) ? await requests.requestsIn(actor.tenantId, ['proof-submitted']) : [];
    const attending = canManageOutsidePd(actor) ? await requests.requestsIn(actor.tenantId, ['approved']) : [];
    const claims = canManageOutsidePd(actor) ? (await requests.requestsIn(actor.tenantId, ['approved', 'proof-submitted', 'verified'])).filter((r) => r.reimbursement?.status === 'claimed') : [];
    res.render('requests/index', { title: 'Outside PD requests', mine: mine.map(requestRow), waiting: waiting.map(requestRow), proof: proof.map(requestRow), attending: attending.map(requestRow), claims: claims.map(requestRow), staff: canManageOutsidePd(actor) });
  }));

  router.get('/requests/new', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireRequester(actor);
    await renderForm(res, actor);
  }));

  router.post('/requests', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireRequester(actor);
      const r = await requests.submitRequest(actor.tenantId, req.body, by(actor));
      res.redirect(303, res.locals.link(requests.requestPath(r), { done: 'sent' }));
    },
    (req, res, err) => renderForm(res, actorOf(res), { typed: req.body, message: err.message, errors: err.fields }),
  ));

  router.get('/requests/:id', handle(async (req, res) => {
    const { actor, r } = await readableRequest(req, res);
    await renderRequest(res, actor, r, undefined, doneOf(req));
  }));

  const returnedRequest = async (req: Request, res: Response) => {
    const { actor, r } = await readableRequest(req, res);
    if (!canResubmit(actor, r)) throw new Forbidden('Only the teacher changes a request, and only once it is returned to them.');
    return { actor, r };
  };

  router.get('/requests/:id/edit', handle(async (req, res) => {
    const { actor, r } = await returnedRequest(req, res);
    await renderForm(res, actor, { request: r });
  }));

  router.post('/requests/:id/resubmit', requireCsrf, formRoute(
    async (req, res) => {
      const { actor, r } = await returnedRequest(req, res);
      await requests.resubmitRequest(actor.tenantId, r._id, req.body, by(actor));
      res.redirect(303, res.locals.link(requests.requestPath(r), { done: 'sent' }));
    },
    async (req, res, err) => {
      const { actor, r } = await returnedRequest(req, res);
      await renderForm(res, actor, { request: r, typed: req.body, message: err.message, errors: err.fields });
    },
  ));

  router.post('/requests/:id/decision', requireCsrf, formRoute(
    async (req, res) => {
      const { actor, r } = await readableRequest(req, res);
      if (!canDecideStep(actor, r)) throw new Forbidden('This step is decided by someone else (never by the teacher who asked).');
      await requests.decideStep(actor.tenantId, r._id, req.body, by(actor));
      res.redirect(303, res.locals.link(requests.requestPath(r), { done: 'decided' }));
    },
    async (req, res, err) => {
      const { actor, r } = await readableRequest(req, res);
      await renderRequest(res, actor, r, { name: 'decision', message: err.message, errors: err.fields, values: req.body });
    },
  ));
}
