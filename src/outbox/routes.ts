import { Router } from 'express';
import { z } from 'zod';
import { actorOf, requireCsrf } from '../web/request';
import { Forbidden } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import type { OutboxStatus } from './service';
import { canRetryMessage, canViewOutbox } from './policy';
import { messageRow, statsView } from './presenter';
import * as outbox from './service';

const SHOWN: Record<string, OutboxStatus[]> = { queue: ['pending', 'leased'], dead: ['dead'], finished: ['done', 'not-applicable', 'superseded'] };
const Query = z.object({ show: z.enum(['queue', 'dead', 'finished']).default('queue') });
const Params = z.object({ id: objectId });

const staffOnly = (a: Parameters<typeof canViewOutbox>[0]) => canViewOutbox(a, { tenantId: a.tenantId });

/** Its link in the top navigation, and the queue's figures on the staff home. */
export function registerOutboxPages(): void {
  addNavItem({ label: 'Outbox', path: '/outbox', section: 'district', order: 94, visible: staffOnly });
  addHomePanel('staff', async (actor) => ({ order: 60, view: 'outbox/panel', data: { stats: statsView(await outbox.queueStats(actor.tenantId)) } }));
}

export function outboxRouter(): Router {
  const router = Router();

  router.get('/outbox', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!staffOnly(actor)) throw new Forbidden('Only PD staff can see the delivery queue.');
    const { show } = Query.parse(req.query);
    const [stats, messages] = await Promise.all([outbox.queueStats(actor.tenantId), outbox.listMessages(actor.tenantId, SHOWN[show]!)]);
    res.render('outbox/index', { title: 'Outbox', show, stats: statsView(stats), messages: messages.map(messageRow) });
  }));

  router.post('/outbox/retry-dead', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!staffOnly(actor)) throw new Forbidden('Only PD staff can retry deliveries.');
    await outbox.retryAllDead(actor.tenantId, { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link('/outbox', { show: 'queue' }));
  }));

  router.post('/outbox/:id/retry', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const message = await outbox.getMessage(actor.tenantId, Params.parse(req.params).id);
    if (!canRetryMessage(actor, message)) throw new Forbidden('Only PD staff can retry a delivery, and only one that gave up.');
    await outbox.retryDead(actor.tenantId, message._id, { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link('/outbox', { show: 'queue' }));
  }));

  return router;
}
