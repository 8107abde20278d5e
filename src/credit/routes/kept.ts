import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { addNavItem } from '../../web/nav';
import { handle } from '../../web/route';
import { canManageKeptCredit } from '../policy';
import { keptRow } from '../presenter';
import * as credit from '../service';

const PersonParams = z.object({ userId: objectId });
const DeleteForm = z.object({ confirm: z.literal('yes', 'Tick the box to confirm') });
const PATH = '/credit/kept';

function requireStaff(res: Response) {
  const actor = actorOf(res);
  if (!canManageKeptCredit(actor, { _id: actor.tenantId })) throw new Forbidden('Only PD staff see the credit the district keeps.');
  return actor;
}

export function registerKeptCreditPages(): void {
  addNavItem({ label: 'Kept credit', path: PATH, section: 'district', order: 86, visible: (a) => canManageKeptCredit(a, { _id: a.tenantId }) });
}

/** PD staff: completed credit kept after teachers deleted their data, and deleting it. */
export function keptCreditRoutes(router: Router): void {

  router.get(PATH, handle(async (req, res) => {
    const actor = requireStaff(res);
    const rows = (await credit.keptPeople(actor.tenantId)).map(keptRow);
    res.render('credit/kept', { title: 'Kept credit', rows, deleted: typeof req.query.deleted === 'string' ? req.query.deleted : '', message: undefined, failedFor: '' });
  }));

  router.post(`${PATH}/:userId/delete`, requireCsrf, handle(async (req, res) => {
    const actor = requireStaff(res);
    const { userId } = PersonParams.parse(req.params);
    const rows = (await credit.keptPeople(actor.tenantId)).map(keptRow);
    const row = rows.find((r) => r.userId === userId);
    const form = DeleteForm.safeParse(req.body);
    if (!row || !form.success) {
      res.status(row ? 400 : 404).render('credit/kept', { title: 'Kept credit', rows, deleted: '', message: row ? 'Tick the box to confirm; nothing was deleted.' : 'No credit is kept for that person; nothing was deleted.', failedFor: userId });
      return;
    }
    await credit.deleteKept(actor.tenantId, new Types.ObjectId(userId), { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link(PATH, { deleted: `${row.activities} of ${row.name}` }));
  }));
}
