import { Response, Router } from 'express';
import multer from 'multer';
import { Conflict, Invalid } from '../../kernel/errors';
import * as users from '../../users/service';
import { formRoute } from '../../web/forms';
import { addHomePanel } from '../../web/homes';
import { addNavItem } from '../../web/nav';
import { requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canManageCredit } from '../policy';
import { personRenewalRow, renewalView } from '../presenter';
import * as credit from '../service';
import { requireCreditStaff } from './settings';

const PATH = '/credit/renewals';
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1024 * 1024, files: 1 } });

interface PageState {
  done?: string;
  form?: 'cycle' | 'import';
  err?: Invalid | Conflict;
  body?: Record<string, unknown>;
}

async function renewalsPage(res: Response, s: PageState = {}) {
  const actor = requireCreditStaff(res);
  const [kinds, rules, people] = await Promise.all([credit.creditKinds(actor.tenantId), credit.renewalRules(actor.tenantId), credit.renewalsOfDistrict(actor.tenantId)]);
  const rows = people.map((p) => personRenewalRow(p, kinds));
  const text = (k: string) => (s.form === 'cycle' && typeof s.body?.[k] === 'string' ? (s.body[k] as string) : '');
  res.render('credit/renewals', {
    title: 'Renewals',
    done: s.done ?? '',
    rows,
    behind: rows.filter((r) => r.status === 'behind').length,
    ruleOptions: rules.map((r) => ({ value: String(r._id), label: r.name })),
    cycleForm: { values: { email: text('email'), ruleId: text('ruleId') || String(rules[0]?._id ?? ''), startsOn: text('startsOn') }, errors: s.form === 'cycle' ? (s.err?.fields ?? {}) : {}, message: s.form === 'cycle' ? s.err?.message : undefined },
    importForm: { errors: s.form === 'import' ? (s.err?.fields ?? {}) : {}, message: s.form === 'import' ? s.err?.message : undefined },
  });
}

/** The renewals link, and the teacher's renewal progress on their home. */
export function registerRenewalPages(): void {
  addNavItem({ label: 'Renewals', path: PATH, section: 'district', order: 85, visible: (a) => canManageCredit(a, { _id: a.tenantId }) });
  addHomePanel('teacher', async (actor) => {
    const renewal = await credit.renewalOf(actor.tenantId, actor.userId);
    return renewal ? { order: 5, view: 'credit/renewal-panel', data: { renewal: renewalView(renewal, await credit.creditKinds(actor.tenantId)) } } : undefined;
  });
}

/** PD staff: who is behind on their licence renewal, setting a teacher's cycle start, importing cycle starts. */
export function renewalRoutes(router: Router): void {

  router.get(PATH, handle(async (req, res) => renewalsPage(res, { done: typeof req.query.done === 'string' ? req.query.done.slice(0, 200) : '' })));

  router.post(`${PATH}/cycles`, requireCsrf, formRoute(
    async (req, res) => {
      const actor = requireCreditStaff(res);
      const email = typeof req.body.email === 'string' ? req.body.email.trim().toLowerCase() : '';
      const person = email ? await users.findByAlias(actor.tenantId, 'email', email) : null;
      if (!person) throw new Invalid('Nobody in the district has that email; nothing was saved.', { email: email ? 'No person with this email has launched PD Pathways or been imported' : 'Enter the teacher’s email' });
      await credit.setCycle(actor.tenantId, person._id, req.body, actor);
      res.redirect(303, res.locals.link(PATH, { done: `Set ${person.name || email}’s renewal cycle.` }));
    },
    (req, res, err) => renewalsPage(res, { form: 'cycle', err, body: req.body }),
  ));

  router.post(`${PATH}/import`, upload.single('file'), requireCsrf, formRoute(
    async (req, res) => {
      const actor = requireCreditStaff(res);
      if (!req.file) throw new Invalid('Choose a CSV file to upload; nothing was imported.', { file: 'Choose a CSV file' });
      const result = await credit.importCycles(actor.tenantId, req.file.buffer.toString('utf8'), actor.platform.family, actor);
      res.redirect(303, res.locals.link(PATH, { done: `Imported ${result.set} renewal cycle${result.set === 1 ? '' : 's'}${result.pending ? ` (${result.pending} for people who have not launched PD Pathways yet)` : ''}.` }));
    },
    (_req, res, err) => renewalsPage(res, { form: 'import', err }),
  ));
}
