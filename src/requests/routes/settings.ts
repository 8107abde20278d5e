import { Response, Router } from 'express';
import { z } from 'zod';
import { csvText } from '../../kernel/csv';
import { Conflict, Invalid } from '../../kernel/errors';
import { unflatten } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { actorOf, requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { budgetRow, SETTINGS_DONE } from '../presenter';
import * as requests from '../service';
import { by, Params, requireManager } from './common';

const CHAIN_ROWS = 4;

const SettingsDone = z.object({ done: z.enum(Object.keys(SETTINGS_DONE) as [string, ...string[]]).optional() }).catch({});

type Refused = { form: 'chain' | 'budget' | 'amount'; err: Invalid | Conflict; typed: Record<string, unknown>; budgetId?: string };

async function renderSettings(res: Response, refused?: Refused, done?: string): Promise<void> {
  const actor = actorOf(res);
  requireManager(actor);
  const [chain, budgets] = await Promise.all([requests.approvalChain(actor.tenantId), requests.listBudgets(actor.tenantId)]);
  const typedSteps = refused?.form === 'chain' && Array.isArray(refused.typed.steps) ? (refused.typed.steps as { label?: string; role?: string }[]) : undefined;
  const rows = Array.from({ length: CHAIN_ROWS }, (_, i) => ({ label: String(typedSteps?.[i]?.label ?? chain[i]?.label ?? ''), role: String(typedSteps?.[i]?.role ?? chain[i]?.role ?? '') }));
  const forForm = (f: Refused['form']) => (refused?.form === f ? { message: refused.err.message, errors: refused.err.fields, typed: refused.typed } : { message: '', errors: {}, typed: {} });
  res.render('requests/settings', { title: 'Outside PD: approval steps and budgets', confirmation: done ? SETTINGS_DONE[done] : undefined, rows, budgets: budgets.map(budgetRow), chainForm: forForm('chain'), budgetForm: forForm('budget'), amountForm: { ...forForm('amount'), budgetId: refused?.budgetId } });
}

const FINANCE_COLUMNS: { header: string; value: (r: requests.FinanceRow) => unknown }[] = [
  { header: 'request_id', value: (r) => r.requestId },
  { header: 'teacher', value: (r) => r.teacher },
  { header: 'email', value: (r) => r.email },
  { header: 'title', value: (r) => r.title },
  { header: 'provider', value: (r) => r.provider },
  { header: 'funding_source', value: (r) => r.fundingSource },
  { header: 'school_year', value: (r) => r.schoolYear },
  { header: 'approved_cost', value: (r) => r.approvedCost.toFixed(2) },
  { header: 'claimed', value: (r) => r.claimed.toFixed(2) },
  { header: 'paid', value: (r) => r.paid.toFixed(2) },
  { header: 'decided_on', value: (r) => r.decidedOn },
];

/** PD staff: the approval chain, budgets with balances, and the finance export. */
export function settingsRoutes(router: Router): void {
  router.get('/requests/settings', handle(async (req, res) => renderSettings(res, undefined, SettingsDone.parse(req.query).done)));

  router.post('/requests/settings/chain', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireManager(actor);
      await requests.saveApprovalChain(actor.tenantId, unflatten(req.body).steps, by(actor));
      res.redirect(303, res.locals.link('/requests/settings', { done: 'chain' }));
    },
    (req, res, err) => renderSettings(res, { form: 'chain', err, typed: unflatten(req.body) }),
  ));

  router.post('/requests/budgets', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireManager(actor);
      await requests.addBudget(actor.tenantId, req.body, by(actor));
      res.redirect(303, res.locals.link('/requests/settings', { done: 'budget' }));
    },
    (req, res, err) => renderSettings(res, { form: 'budget', err, typed: req.body }),
  ));

  router.post('/requests/budgets/:id', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireManager(actor);
      await requests.setBudgetAmount(actor.tenantId, Params.parse(req.params).id, req.body, by(actor));
      res.redirect(303, res.locals.link('/requests/settings', { done: 'amount' }));
    },
    (req, res, err) => renderSettings(res, { form: 'amount', err, typed: req.body, budgetId: Params.parse(req.params).id }),
  ));

  router.get('/requests/reimbursements.csv', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireManager(actor);
    res.set('Cache-Control', 'no-store');
    res.attachment('outside-pd-reimbursements.csv');
    res.type('text/csv').send(csvText(await requests.financeRows(actor.tenantId), FINANCE_COLUMNS));
  }));
}
