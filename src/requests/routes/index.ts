import { Router } from 'express';
import { addNavItem } from '../../web/nav';
import { canManageOutsidePd, canRequestOutsidePd } from '../policy';
import { attendanceRoutes } from './attendance';
import { requestRoutes } from './requests';
import { settingsRoutes } from './settings';

/** Its links in the top navigation: everyone's requests, PD staff's steps and budgets. */
export function registerRequestPages(): void {
  addNavItem({ label: 'Outside PD requests', path: '/requests', section: 'mine', order: 78, visible: canRequestOutsidePd });
  addNavItem({ label: 'Outside PD budgets', path: '/requests/settings', section: 'district', order: 48, visible: canManageOutsidePd });
}

/** Requests for outside PD: settings first (their paths would otherwise read as a request id). */
export function requestsRouter(): Router {
  const router = Router();
  settingsRoutes(router);
  requestRoutes(router);
  attendanceRoutes(router);
  return router;
}
