import { Response, Router } from 'express';
import { actorOf, requireCsrf } from '../web/request';
import { Forbidden } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import { canEditPolicy } from './policy';
import { policyForm, valuesFromForm, valuesFromPolicy } from './presenter';
import * as tenants from './service';

const TITLE = 'District policy';

function requirePolicyEditor(res: Response) {
  const actor = actorOf(res);
  if (!canEditPolicy(actor, { _id: actor.tenantId })) throw new Forbidden('Only PD staff can change the district policy.');
  return actor;
}

/** Its links in the top navigation. */
export function registerTenantPages(): void {
  addNavItem({ label: 'Policy', path: '/policy', section: 'district', order: 85, visible: (a) => canEditPolicy(a, { _id: a.tenantId }) });
}

export function tenantsRouter(): Router {
  const router = Router();

  router.get('/policy', handle(async (req, res) => {
    const actor = requirePolicyEditor(res);
    const tenant = await tenants.getTenant(actor.tenantId);
    res.render('tenants/policy', { title: TITLE, saved: req.query.saved === '1', ...policyForm(valuesFromPolicy(tenant.policy), {}, tenants.timeZones()) });
  }));

  router.post(
    '/policy',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = requirePolicyEditor(res);
        await tenants.changePolicy(actor.tenantId, req.body, actor);
        res.redirect(303, res.locals.link('/policy', { saved: 1 }));
      },
      async (req, res, err) => {
        requirePolicyEditor(res);
        res.render('tenants/policy', { title: TITLE, saved: false, message: err.message, ...policyForm(valuesFromForm(req.body), err.fields, tenants.timeZones()) });
      },
    ),
  );
  return router;
}
