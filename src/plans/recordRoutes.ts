import { Request, Response, Router } from 'express';
import { z } from 'zod';
import * as credit from '../credit/service';
import * as frameworks from '../frameworks/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { actorOf, readerOf, requireCsrf } from '../web/request';
import { Forbidden } from '../kernel/errors';
import { handle } from '../web/route';
import { readTicket, signTicket } from '../web/topLevel';
import { canManageOwnRecord } from './policy';
import * as tenants from '../tenants/service';
import { creditBeforeDeletion, deletionView, recordExport } from './recordPresenter';
import { recordPdf } from './recordPdf';
import * as plans from './service';

const DeleteForm = z.object({ confirm: z.string().max(100).optional() });
const PRINT = 'record-print';
const PRINT_PATH = '/record/print';

/** A person's own record: everything, their coaching conversations and the credit the district kept included. */
async function ownRecord(person: UserDoc) {
  const [{ plans: all, groupGoals }, kept] = await Promise.all([plans.planRecord(person.tenantId, person._id), credit.keptFor(person.tenantId, person._id)]);
  return recordExport({ name: person.name, email: person.aliases?.email ?? undefined }, all, groupGoals, await frameworks.competenciesByCode(person.tenantId), (p) => p.userId.equals(person._id), kept);
}

async function me(res: Response): Promise<UserDoc> {
  const actor = actorOf(res);
  const person = await users.getUser(actor.tenantId, actor.userId);
  if (!canManageOwnRecord(actor, person)) throw new Forbidden();
  return person;
}

/** Pages about the record that are never cached or passed on as a Referer. */
function privatePage(res: Response): void {
  res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
}

/** The record, its downloads and deletion, inside the LMS frame (behind the ltik). */
export function recordRoutes(router: Router, forgetAssessments: plans.ForgetAssessments): void {
  router.get('/my-record', handle(async (_req, res) => {
    const person = await me(res);
    const ticket = await signTicket({ tenantId: person.tenantId, userId: person._id, purpose: PRINT });
    privatePage(res);
    res.render('plans/record', { title: 'My PD record', record: await ownRecord(person), printUrl: `${PRINT_PATH}?${new URLSearchParams({ ticket })}` });
  }));

  router.get('/my-record.json', handle(async (_req, res) => {
    const record = await ownRecord(await me(res));
    privatePage(res);
    res.attachment('pd-record.json');
    res.type('application/json').send(JSON.stringify(record, null, 2));
  }));

  router.get('/my-record.pdf', handle(async (_req, res) => {
    const pdf = await recordPdf(await ownRecord(await me(res)), readerOf(actorOf(res)).locale);
    privatePage(res);
    res.attachment('pd-record.pdf');
    res.type('application/pdf').send(pdf);
  }));

  const deletePage = async (res: Response, person: UserDoc, message?: string, typed = '') => {
    const credit = creditBeforeDeletion(await plans.completedCreditOf(person.tenantId, person._id), tenants.retentionText(actorOf(res).policy));
    res.render('plans/delete', { title: 'Delete my data', done: undefined, credit, message, typed });
  };

  router.get('/my-data/delete', handle(async (_req, res) => deletePage(res, await me(res))));

  router.post('/my-data/delete', requireCsrf, handle(async (req, res) => {
    const person = await me(res);
    const { confirm = '' } = DeleteForm.parse(req.body);
    if (confirm !== 'DELETE') {
      res.status(400);
      return deletePage(res, person, 'Type DELETE in capitals to confirm; nothing was deleted.', confirm);
    }
    const done = await plans.deleteUserData(person.tenantId, person._id, forgetAssessments);
    res.render('plans/delete', { title: 'Your data was deleted', done: deletionView(done, tenants.retentionText(actorOf(res).policy)), credit: undefined, message: undefined });
  }));
}

/**
 * The print view, top-level in its own tab (printing the LMS frame prints the LMS page). It has no
 * ltik; the ticket signed on the record page says whose record it shows (src/web/topLevel.ts).
 */
export function recordPrintRouter(): Router {
  const router = Router();
  router.get(PRINT_PATH, handle(async (req: Request, res: Response) => {
    privatePage(res);
    const ticket = await readTicket(req.query.ticket, PRINT);
    const person = await users.getUser(ticket.tenantId, ticket.userId);
    res.render('plans/record-print', { title: 'PD record', record: await ownRecord(person) });
  }));
  return router;
}
