import { Router } from 'express';
import { Types } from 'mongoose';
import { handle } from '../web/route';
import { actorOf, requireCsrf } from '../web/request';
import { Forbidden, NotFound } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { canDismissNotice } from './policy';
import { noticeView } from './presenter';
import * as notices from './service';

/** Its link in the top navigation, and unread notices at the top of every home. */
export function registerNotificationPages(): void {
  addNavItem({ label: 'Notices', path: '/notifications', section: 'mine', order: 80, visible: () => true });
  for (const kind of ['teacher', 'coach', 'staff'] as const) {
    addHomePanel(kind, async (actor) => {
      const list = await notices.unread(actor.tenantId, actor.userId, 5);
      return list.length ? { order: 0, view: 'notifications/panel', data: { notices: list.map(noticeView) } } : undefined;
    });
  }
}

export function notificationsRouter(): Router {
  const router = Router();

  router.get('/notifications', handle(async (_req, res) => {
    const actor = actorOf(res);
    const list = await notices.recent(actor.tenantId, actor.userId);
    res.render('notifications/index', { title: 'Notices', notices: list.map(noticeView) });
  }));

  router.post('/notifications/:id/read', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const notice = await notices.findNotice(actor.tenantId, objectId.parse(req.params.id));
    if (!notice) throw new NotFound('That notice');
    if (!canDismissNotice(actor, notice)) throw new Forbidden();
    await notices.markRead(actor.tenantId, actor.userId, [new Types.ObjectId(String(notice._id))]);
    res.redirect(303, res.locals.link(notice.link ?? '/notifications'));
  }));

  router.post('/notifications/read-all', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    await notices.markRead(actor.tenantId, actor.userId, 'all');
    res.redirect(303, res.locals.link('/notifications'));
  }));
  return router;
}
