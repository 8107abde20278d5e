import type { IdToken } from 'ltijs';
import { NextFunction, Request, Response } from 'express';
import { emit } from '../events';
import { refuseUnknownDeployment } from '../lti/launch/pages';
import { launchFacts, LaunchFacts } from '../lti/message/claims';
import { effectiveRoles, homePath } from '../lti/message/roles';
import { PLACEMENT_PARAM, recognisePlacedLink, TARGET_PARAM } from '../placements/service';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';

function identity(f: LaunchFacts): users.LaunchIdentity {
  return {
    sub: f.sub,
    contextId: f.context?.id,
    name: f.name,
    givenName: f.givenName,
    familyName: f.familyName,
    email: f.email,
    roles: f.roles,
    canvasId: f.canvasUserId,
    moodleId: f.moodleUserId,
    sourcedId: f.sourcedId,
  };
}

/** Only same-origin, known page paths may be targets; anything else lands on the home page. */
function safeTarget(raw: string | undefined): string | undefined {
  return raw && /^\/[a-z][a-z0-9/_-]*$/i.test(raw) ? raw : undefined;
}

interface RecordedLaunch {
  facts: LaunchFacts;
  user: UserDoc;
  /** The district counts course Instructors as facilitators (so they land on that home). */
  instructorsFacilitate: boolean;
}

/** A placed link's launch: its course's placement learns the link, or a copied course gets the placement. */
async function recognisePlacement({ facts, user }: RecordedLaunch): Promise<void> {
  if (!facts.context || !facts.resourceLinkId) return;
  await recognisePlacedLink(user.tenantId, {
    contextId: facts.context.id,
    deploymentId: facts.deploymentId,
    resourceLinkId: facts.resourceLinkId,
    placement: facts.custom[PLACEMENT_PARAM],
    target: safeTarget(facts.custom[TARGET_PARAM]),
    history: facts.history,
  });
}

/** Records a validated launch (tenant deployment, user, aliases, course endpoints); undefined when refused. */
async function recordLaunch(token: IdToken, res: Response): Promise<RecordedLaunch | undefined> {
  const facts = launchFacts(token);
  const tenant = await tenants.findTenant(facts.issuer, facts.clientId);
  if (!tenant || !tenants.hasDeployment(tenant, facts.deploymentId)) {
    refuseUnknownDeployment(res, facts.issuer, facts.clientId, facts.deploymentId);
    return undefined;
  }
  await tenants.addFramingOrigins(tenant, facts.framingUrls);
  const { user, learnedAliases } = await users.upsertFromLaunch(tenant._id, identity(facts));
  if (facts.context) {
    await tenants.recordContext(tenant._id, {
      contextId: facts.context.id,
      title: facts.context.title,
      label: facts.context.label,
      lmsCourseId: facts.lmsCourseId,
      deploymentId: facts.deploymentId,
      ags: facts.ags,
      nrpsUrl: facts.nrpsUrl,
    });
  }
  await emit('user.launched', { tenantId: tenant._id, userId: user._id, learnedAliases });
  return { facts, user, instructorsFacilitate: !!tenant.policy?.instructorsFacilitate };
}

/**
 * Serves `path` for this request as if the browser had asked for it: the launch lands on its page in
 * one round trip, and the launched user is handed on so it is not read again.
 */
function forwardTo(req: Request, res: Response, next: NextFunction, path: string, user: UserDoc): void {
  const sep = path.includes('?') ? '&' : '?';
  req.url = `${path}${sep}ltik=${encodeURIComponent(res.locals.ltik as string)}`;
  res.locals.launchedUser = user;
  next();
}

/** ltijs onConnect: a resource-link launch lands on its placed target or the role's home. */
export async function handleLaunch(token: IdToken, req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    const launch = await recordLaunch(token, res);
    if (!launch) return;
    await recognisePlacement(launch);
    const home = homePath(effectiveRoles(launch.facts.roles, launch.user.grants, launch.instructorsFacilitate));
    forwardTo(req, res, next, safeTarget(launch.facts.custom[TARGET_PARAM]) ?? home, launch.user);
  } catch (err) {
    next(err);
  }
}

/** ltijs onDeepLinking: record the launch like any other, then open the placement picker. */
export async function handleDeepLinkingLaunch(token: IdToken, req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    const launch = await recordLaunch(token, res);
    if (launch) forwardTo(req, res, next, '/placements', launch.user);
  } catch (err) {
    next(err);
  }
}
