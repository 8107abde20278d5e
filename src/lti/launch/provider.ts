// OIDC launch flow (ltijs): https://www.imsglobal.org/spec/security/v1p0/#openid_connect_launch_flow
import { Provider as lti } from 'ltijs';
import type { IdToken, Provider } from 'ltijs';
import { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { AppConfig } from '../../config';
import { launchGuard } from './guard';
import { renderLaunchFailure, renderNoSession, renderUnregisteredPlatform } from './pages';
import { forgetCookieless, cookielessSession } from './cookieless';
import { partitionCookies } from './cookies';
import { loginRouter } from './login';
import { requireStringParams } from './params';
import type { PlatformIds } from '../registration/adminCommands';
import { useCachedPlatformKeys } from './platformKeys';
import { useLaunchStore } from './launchStore';
import { useLtikKeyObject } from './ltikKey';

export const LTI_ROUTES = { launch: '/', login: '/login', keys: '/keys' } as const;

type LaunchHandler = (token: IdToken, req: Request, res: Response, next: NextFunction) => Promise<void>;

/** What a validated launch does, per message type: the app records the user and opens a page (src/session/launch.ts). */
export interface LaunchHandlers {
  resourceLink: LaunchHandler;
  deepLinking: LaunchHandler;
}

function onInvalidToken(req: Request, res: Response): Promise<void> | void {
  const err = res.locals.err as { details?: { message?: string } } | undefined;
  const code = err?.details?.message ?? 'INVALID_TOKEN';
  if (code === 'NO_LTIK_OR_IDTOKEN_FOUND') return renderNoSession(res);
  // A launch that passed the platform-storage check but not ltijs keeps no cookie-less allowance.
  if (typeof req.body?.state === 'string' && req.body?.id_token) {
    return forgetCookieless(req.body.state).then(() => renderLaunchFailure(req, res, code));
  }
  return renderLaunchFailure(req, res, code);
}

/** The platform an id_token from an unknown LMS names (unverified: it is only shown back, escaped). */
function namedPlatform(req: Request): PlatformIds | undefined {
  try {
    const claims = decodeJwt(String(req.body?.id_token ?? ''));
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    const deployment = claims['https://purl.imsglobal.org/spec/lti/claim/deployment_id'];
    if (typeof claims.iss !== 'string') return undefined;
    return { issuer: claims.iss, clientId: typeof aud === 'string' ? aud : undefined, deploymentId: typeof deployment === 'string' ? deployment : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Configures the ltijs singleton (OIDC login, launch validation, keyset) on the given database. Its own
 * dynamic registration stays off: it overwrites existing platforms; ours is `src/registration/routes.ts`.
 * Feature routers are added to `lti.app` afterwards so they run behind its ltik validation. The CLI, which
 * serves no launches, passes no handlers.
 */
export async function setupLti(cfg: AppConfig, dbUri: string, handlers?: LaunchHandlers): Promise<Provider> {
  lti.setup(cfg.secrets.ltiKey, { url: dbUri }, {
    appRoute: LTI_ROUTES.launch,
    loginRoute: LTI_ROUTES.login,
    keysetRoute: LTI_ROUTES.keys,
    cors: false,
    devMode: false,
    tokenMaxAge: cfg.lti.tokenMaxAgeSeconds,
    cookies: { secure: cfg.lti.cookies.secure, sameSite: cfg.lti.cookies.sameSite },
    // Runs after ltijs has parsed bodies, cookies and the ltik, before its own login and session checks.
    serverAddon: (app) => {
      app.use(requireStringParams);
      app.use(partitionCookies(cfg.lti.cookies));
      app.use(loginRouter());
      app.use(launchGuard);
      app.use(cookielessSession);
    },
  });
  useCachedPlatformKeys();
  useLaunchStore(lti);
  useLtikKeyObject(cfg.secrets.ltiKey);
  if (handlers) {
    lti.onConnect(handlers.resourceLink);
    lti.onDeepLinking(handlers.deepLinking);
  }
  lti.onInvalidToken(onInvalidToken);
  lti.onSessionTimeout((_req, res) => renderNoSession(res));
  lti.onUnregisteredPlatform((req, res) => renderUnregisteredPlatform(res, namedPlatform(req)));
  lti.onInactivePlatform((req, res) => renderLaunchFailure(req, res, 'PLATFORM_NOT_ACTIVATED'));
  const before = new Set(process.listeners('SIGINT'));
  await lti.deploy({ serverless: true, silent: true });
  // ltijs installs a SIGINT handler that exits at once; our server drains requests first.
  for (const l of process.listeners('SIGINT')) if (!before.has(l)) process.off('SIGINT', l);
  return lti;
}

export function ltiProvider(): Provider {
  return lti;
}
