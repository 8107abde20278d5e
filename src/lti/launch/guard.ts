// Authentication response validation: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { config } from '../../config';
import * as tenants from '../../tenants/service';
import { allowCookieless } from './cookieless';
import { STATE_COOKIE_PREFIX } from './cookies';
import { bindLaunch } from './launchStore';
import { LOGIN_PATHS, allowLoginFraming, authEndpoint } from './login';
import { LoginRecord, awaitStorageCheck, completeStorageCheck, consumeLogin, forgetLogin, pendingLogin } from './loginState';
import { refuseAnonymous, refuseUnknownDeployment, renderLaunchFailure } from './pages';

const DEPLOYMENT = 'https://purl.imsglobal.org/spec/lti/claim/deployment_id';

type Claims = Record<string, unknown>;
type Body = { id_token?: string; state?: string; lti_storage_check?: string };

/** A known platform but an unknown deployment, or no user: refused (true) before anything is stored. */
async function tenantRefusal(claims: Claims, res: Response): Promise<boolean> {
  const issuer = String(claims.iss ?? '');
  const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? '')];
  for (const clientId of auds) {
    const tenant = await tenants.findTenant(issuer, clientId);
    if (!tenant) continue;
    const deploymentId = String(claims[DEPLOYMENT] ?? '');
    if (!claims.sub) refuseAnonymous(res);
    else if (!tenants.hasDeployment(tenant, deploymentId)) refuseUnknownDeployment(res, issuer, clientId, deploymentId);
    else return false;
    return true;
  }
  return false;
}

/**
 * The id_token must answer the login this browser started: same issuer and client, the nonce sent
 * for this state (OIDC Core 3.1.3.7 rule 11, Security Framework 5.1.3), and an `iat` that is not in
 * the future beyond the allowed clock skew (ltijs only rejects old tokens).
 */
export function bindingProblem(claims: Claims, login: LoginRecord, now = Date.now()): string | undefined {
  if (typeof claims.nonce !== 'string' || !claims.nonce) return 'NONCE_MISSING';
  if (claims.nonce !== login.nonce) return 'NONCE_MISMATCH';
  if (claims.iss !== login.issuer) return 'ISS_CLAIM_DOES_NOT_MATCH';
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.includes(login.clientId)) return 'AUD_DOES_NOT_MATCH';
  if (typeof claims.iat !== 'number') return 'IAT_MISSING';
  if (claims.iat * 1000 > now + config().lti.clockSkewSeconds * 1000) return 'TOKEN_FROM_THE_FUTURE';
  return undefined;
}

/** The page answering a cookie-less launch asked the platform's storage, and the state and nonce were there. */
async function finishStorageCheck(req: Request, res: Response, next: NextFunction, state: string, checkId: string): Promise<void> {
  const done = await completeStorageCheck(state, checkId);
  if (!done) return renderLaunchFailure(req, res, 'STATE_MISMATCH');
  req.body = { id_token: done.idToken, state };
  // ltijs compares the state cookie with the issuer; platform storage stood in for the cookie.
  req.signedCookies = { ...req.signedCookies, [STATE_COOKIE_PREFIX + state]: done.issuer };
  await allowCookieless(state);
  next();
}

/** No state cookie came back with the launch: bind it through platform storage, or start over in a new window. */
async function withoutCookie(req: Request, res: Response, login: LoginRecord, idToken: string): Promise<void> {
  await allowLoginFraming(res, login);
  if (!login.storageTarget) {
    return res.render('lti/new-window', { newWindowUrl: `${LOGIN_PATHS.newWindow}/${encodeURIComponent(login.windowHandle)}` });
  }
  const checkId = await awaitStorageCheck(login.state, idToken);
  if (!checkId) return renderLaunchFailure(req, res, 'STATE_MISMATCH');
  res.render('lti/storage-launch', {
    storage: {
      target: login.storageTarget,
      platformOrigin: new URL(await authEndpoint(login)).origin,
      state: login.state,
      nonce: login.nonce,
      checkId,
    },
  });
}

/**
 * Runs before ltijs validates a launch (any request carrying an id_token and no ltik, as ltijs accepts
 * one on every path). The claims are read unverified only to refuse; nothing is accepted until ltijs
 * has checked the signature.
 */
export async function launchGuard(req: Request, res: Response, next: NextFunction): Promise<void> {
  const body = (req.body ?? {}) as Body;
  if ((req as Request & { token?: string }).token || (!body.id_token && !body.lti_storage_check)) return next();
  try {
    const state = body.state;
    if (!state) return renderLaunchFailure(req, res, 'STATE_MISMATCH');
    if (body.lti_storage_check) return await finishStorageCheck(req, res, next, state, body.lti_storage_check);
    const idToken = body.id_token as string;
    let claims: Claims;
    try {
      claims = decodeJwt(idToken);
    } catch {
      await forgetLogin(state);
      return renderLaunchFailure(req, res, 'INVALID_TOKEN');
    }
    if (await tenantRefusal(claims, res)) return;
    const cookie = req.signedCookies?.[STATE_COOKIE_PREFIX + state] as string | undefined;
    const login = cookie ? await consumeLogin(state) : await pendingLogin(state);
    if (!login || (cookie && cookie !== login.issuer)) return renderLaunchFailure(req, res, 'STATE_MISMATCH');
    const problem = bindingProblem(claims, login);
    if (problem) {
      await forgetLogin(state);
      return renderLaunchFailure(req, res, problem);
    }
    if (cookie) {
      bindLaunch(state, login.nonce, login.targetLinkUri);
      return next();
    }
    await withoutCookie(req, res, login, idToken);
  } catch (err) {
    next(err);
  }
}
