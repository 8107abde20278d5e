// OIDC login initiation: https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login
import crypto from 'node:crypto';
import { Request, Response, Router } from 'express';
import { Provider as lti } from 'ltijs';
import type { Platform } from 'ltijs';
import { config } from '../../config';
import * as tenants from '../../tenants/service';
import { originOf } from '../../kernel/origin';
import { sameSecret } from '../../secrets';
import { allowFraming } from '../../web/framing';
import { handle } from '../../web/route';
import { LoginRecord, LoginRequest, pendingLogin, startLogin, takeWindowHandle } from './loginState';
import { STATE_COOKIE_PREFIX, stateCookieOptions } from './cookies';
import { renderLaunchFailure, renderRefusal, renderUnregisteredPlatform } from './pages';

/**
 * Third-party initiated login (1EdTech Security Framework 5.1.1; LTI 1.3 §4.1), done here instead of
 * by ltijs so that the nonce is stored with the state. The browser then passes `/login/continue`,
 * which tells whether the state cookie came back: if so it goes on to the platform; if not, the
 * platform's storage keeps state and nonce (LTI Client Side postMessages), or, without platform
 * storage, the user starts the same login in a new top-level window where cookies are first-party.
 */
export const LOGIN_PATHS = { login: '/login', continue: '/login/continue', newWindow: '/lti/new-window' } as const;

type Params = Record<string, string | undefined>;

async function findPlatform(iss: string, clientId: string | undefined): Promise<Platform | undefined> {
  if (clientId) return (await lti.getPlatform(iss, clientId)) || undefined;
  const all = await lti.getPlatform(iss);
  return all ? all[0] : undefined;
}

function refuseMissing(res: Response): void {
  renderRefusal(res, {
    status: 400,
    title: 'Bad launch request',
    detail: 'The LMS did not send the issuer, login hint and target link a launch needs. Please open PD Pathways again from your course.',
    code: 'MISSING_LOGIN_PARAMETERS',
  });
}

function refuseExpired(res: Response): void {
  renderRefusal(res, {
    status: 400,
    title: 'This sign-in has expired',
    detail: 'Signing in to PD Pathways works once and for a few minutes. Please open PD Pathways again from your course.',
    code: 'LOGIN_EXPIRED',
  });
}

function refuseCookiesOff(res: Response): void {
  renderRefusal(res, {
    status: 400,
    title: 'Your browser does not accept cookies from PD Pathways',
    detail: `Even in its own window, PD Pathways could not set the short-lived cookie that proves this sign-in started in this browser. Allow cookies for ${new URL(config().publicUrl).host} in your browser settings, then open PD Pathways again from your course.`,
    code: 'COOKIES_DISABLED',
  });
}

/**
 * The cookie check's link carries the platform redirect it leads to, signed with the state, the issuer the
 * state cookie holds and an expiry: when the cookie comes back, `/login/continue` need not read the login.
 */
function continuationSignature(state: string, issuer: string, expires: string, next: string): string {
  return crypto.createHmac('sha256', config().secrets.linkKey).update(`login-continue:${state}\n${issuer}\n${expires}\n${next}`).digest('base64url');
}

function continuationUrl(record: LoginRecord, authUrl: string, ttlMs: number): string {
  const expires = String(Date.now() + ttlMs);
  const params = new URLSearchParams({ state: record.state, next: authUrl, expires, sig: continuationSignature(record.state, record.issuer, expires, authUrl) });
  return `${LOGIN_PATHS.continue}?${params.toString()}`;
}

/** The signed platform redirect, when the link is intact, unexpired and the state cookie came back. */
function signedContinuation(req: Request, state: string): string | undefined {
  const { next, expires, sig } = req.query;
  const issuer = req.signedCookies?.[STATE_COOKIE_PREFIX + state] as unknown;
  if (typeof next !== 'string' || typeof expires !== 'string' || typeof sig !== 'string' || typeof issuer !== 'string') return undefined;
  if (!(Number(expires) > Date.now())) return undefined;
  return sameSecret(sig, continuationSignature(state, issuer, expires, next)) ? next : undefined;
}

/** Starts a login: state and nonce stored, state cookie set, then the cookie check. */
async function begin(res: Response, request: LoginRequest): Promise<void> {
  const record = await startLogin(request);
  const query = request.targetLinkUri.split('?')[1];
  if (query) await keepTargetQuery(record.state, query);
  const cfg = config().lti;
  const ttlMs = cfg.loginTtlSeconds * 1000;
  res.cookie(STATE_COOKIE_PREFIX + record.state, record.issuer, stateCookieOptions(cfg.cookies, ttlMs));
  res.redirect(302, continuationUrl(record, await authRequestUrl(record), ttlMs));
}

async function initiate(req: Request, res: Response): Promise<void> {
  const p = { ...req.query, ...req.body } as Params;
  if (!p.iss || !p.login_hint || !p.target_link_uri) return refuseMissing(res);
  const platform = await findPlatform(p.iss, p.client_id);
  if (!platform) return renderUnregisteredPlatform(res, { issuer: p.iss, clientId: p.client_id, deploymentId: p.lti_deployment_id });
  if (!(await platform.platformActive())) return renderLaunchFailure(req, res, 'PLATFORM_NOT_ACTIVATED');
  await begin(res, {
    issuer: p.iss,
    clientId: p.client_id || (await platform.platformClientId()),
    loginHint: p.login_hint,
    messageHint: p.lti_message_hint,
    deploymentId: p.lti_deployment_id,
    targetLinkUri: p.target_link_uri,
    storageTarget: p.lti_storage_target,
    // Canvas posts the login from the school's domain, which no launch of this platform may have named yet.
    framedFrom: originOf(req.get('origin') ?? req.get('referer')),
  });
}

/**
 * The pages of a login before its launch is verified (cookie check, platform storage, new-window offer) show in
 * the LMS frame: the platform's known origins and the page that started this login may frame them.
 */
export async function allowLoginFraming(res: Response, record: LoginRecord): Promise<void> {
  const tenant = await tenants.findTenant(record.issuer, record.clientId);
  allowFraming(res, [...(tenant ? tenants.framingUrls(tenant) : []), record.framedFrom]);
}

/** The platform's OIDC authorization endpoint; its origin is also where platform storage answers from. */
export async function authEndpoint(record: LoginRecord): Promise<string> {
  const platform = await findPlatform(record.issuer, record.clientId);
  if (!platform) throw new Error('platform of a stored login is gone');
  return platform.platformAuthEndpoint();
}

/** The OIDC authentication request (Security Framework 5.1.1.2), sent as a redirect. */
async function authRequestUrl(record: LoginRecord): Promise<string> {
  const [redirectUri] = record.targetLinkUri.split('?');
  const url = new URL(await authEndpoint(record));
  const params: Params = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: record.clientId,
    redirect_uri: redirectUri,
    login_hint: record.loginHint,
    lti_message_hint: record.messageHint,
    lti_deployment_id: record.deploymentId,
    state: record.state,
    nonce: record.nonce,
  };
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

/** ltijs re-appends the target link's own query after the launch, from its `state` collection. */
async function keepTargetQuery(state: string, query: string): Promise<void> {
  const db = lti.Database as unknown as { Insert(enc: false, collection: string, item: object): Promise<unknown> };
  await db.Insert(false, 'state', { state, query: Object.fromEntries(new URLSearchParams(query)) });
}

async function continueLogin(req: Request, res: Response): Promise<void> {
  const state = typeof req.query.state === 'string' ? req.query.state : '';
  const signed = state ? signedContinuation(req, state) : undefined;
  if (signed) return res.redirect(302, signed);
  const record = state ? await pendingLogin(state) : null;
  if (!record) return refuseExpired(res);
  const authUrl = await authRequestUrl(record);
  if (req.signedCookies?.[STATE_COOKIE_PREFIX + state] === record.issuer) return res.redirect(302, authUrl);
  if (record.inNewWindow) return refuseCookiesOff(res);
  await allowLoginFraming(res, record);
  const newWindowUrl = `${LOGIN_PATHS.newWindow}/${encodeURIComponent(record.windowHandle)}`;
  if (record.storageTarget) {
    return res.render('lti/storage-login', {
      storage: {
        target: record.storageTarget,
        platformOrigin: new URL(authUrl).origin,
        state: record.state,
        nonce: record.nonce,
        next: authUrl,
      },
      newWindowUrl,
    });
  }
  res.render('lti/new-window', { newWindowUrl });
}

/** The new top-level window: the same login hints, a fresh state and nonce, and a first-party cookie. */
async function openInNewWindow(req: Request, res: Response): Promise<void> {
  const old = await takeWindowHandle(String(req.params.handle));
  if (!old) return refuseExpired(res);
  const { issuer, clientId, loginHint, messageHint, deploymentId, targetLinkUri } = old;
  await begin(res, { issuer, clientId, loginHint, messageHint, deploymentId, targetLinkUri, inNewWindow: true });
}

export function loginRouter(): Router {
  const router = Router();
  router.all(LOGIN_PATHS.login, handle(initiate));
  router.get(LOGIN_PATHS.continue, handle(continueLogin));
  router.get(`${LOGIN_PATHS.newWindow}/:handle`, handle(openInNewWindow));
  return router;
}
