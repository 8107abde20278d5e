import type { IdToken } from 'ltijs';
import { RequestHandler } from 'express';
import type { Actor } from '../kernel/actor';
import { Unauthorized } from '../kernel/errors';
import { effectiveRoles, teachesCourse } from '../lti/message/roles';
import { launchFacts } from '../lti/message/claims';
import * as tenants from '../tenants/service';
import * as groups from '../groups/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { chooseLocale, safeTimeZone } from '../web/format';
import { allowFraming, allowFramingByAnyLms } from '../web/framing';
import { navFor } from '../web/nav';
import { csrfFor, linkBuilder, readerOf, useReader } from '../web/request';

/**
 * After ltijs validated the ltik: load tenant and user, expose actor, csrf and link helper to views.
 * The one place an Actor is built from the tenants, users and groups services; only app.ts mounts it,
 * so features see the Actor type (kernel/actor.ts) and never this loader.
 */
export const loadActor: RequestHandler = async (req, res, next) => {
  try {
    const token = res.locals.token as IdToken | undefined;
    if (!token) throw new Unauthorized('Open PD Pathways from your course in Canvas or Moodle.');
    const facts = launchFacts(token);
    const tenant = await tenants.findTenant(facts.issuer, facts.clientId);
    const user = tenant && ((res.locals.launchedUser as UserDoc | undefined) ?? (await users.findBySub(tenant._id, facts.sub)));
    if (!tenant || !user) throw new Unauthorized('Your launch session is no longer valid. Please open PD Pathways again from your LMS.');
    allowFraming(res, tenants.framingUrls(tenant));
    const actor: Actor = {
      tenantId: tenant._id,
      userId: user._id,
      sub: facts.sub,
      name: user.name || facts.name || 'Unnamed user',
      email: user.aliases?.email ?? undefined,
      roles: effectiveRoles(facts.roles, user.grants, tenant.policy.instructorsFacilitate),
      platform: { name: facts.platformName, family: tenant.family, issuer: tenant.issuer },
      context: facts.context && { ...facts.context, instructor: teachesCourse(facts.roles) },
      policy: tenant.policy,
      locale: chooseLocale(facts.locale, req.acceptsLanguages()),
      timeZone: safeTimeZone(tenant.policy.timeZone),
    };
    if (actor.roles.has('approver') && !actor.roles.has('pdStaff')) {
      const scope = await groups.approverScope(tenant._id, user._id);
      if (scope) actor.approverScope = new Set(scope.map(String));
    }
    const ltik = res.locals.ltik as string;
    res.locals.actor = actor;
    useReader(res, readerOf(actor));
    res.locals.ltik = ltik;
    res.locals.csrf = csrfFor(ltik);
    res.locals.link = linkBuilder(ltik);
    res.locals.nav = navFor(actor);
    res.locals.currentPath = req.path;
    next();
  } catch (err) {
    // No session: the error page has nothing to act on, and the LMS frame must show it.
    if (!res.locals.actor) allowFramingByAnyLms(res);
    next(err);
  }
};
