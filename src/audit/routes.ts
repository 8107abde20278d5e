import { Router } from 'express';
import { z } from 'zod';
import { handle } from '../web/route';
import { actorOf } from '../web/context';
import { Forbidden } from '../web/errors';
import { addNavItem } from '../web/nav';
import { canViewAuditLog } from './policy';
import { auditRow } from './presenter';
import * as audit from './service';

const Query = z.object({ action: z.string().max(60).optional() });

export function auditRouter(): Router {
  const router = Router();
  addNavItem({ label: 'Audit log', path: '/audit', section: 'district', order: 95, visible: canViewAuditLog });
  router.get('/audit', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canViewAuditLog(actor)) throw new Forbidden('Only PD staff can read the audit log.');
    const { action } = Query.parse(req.query);
    const entries = await audit.recent(actor.tenantId, { action });
    res.render('audit/index', { title: 'Audit log', action: action ?? '', entries: entries.map(auditRow) });
  }));
  return router;
}
