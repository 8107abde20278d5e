import crypto from 'node:crypto';
import { NextFunction, Request, Response, Router } from 'express';
import { decodeJwt } from 'jose';
import { Schema, model } from 'mongoose';
import { config } from '../config';
import { logger } from '../log';
import { renderLaunchFailure, renderRefusal } from './pages';

/**
 * Third-party cookies blocked in the LMS iframe (Safari, Chrome incognito): the state cookie set at
 * login never comes back, so ltijs refuses the launch. We remember every state we issue; a launch
 * that arrives with no state cookie at all, for a state we issued and nobody used, may finish in a
 * new top-level window, where cookies are first-party. The id_token is kept a few minutes for that.
 */
const LoginStateSchema = new Schema({
  _id: { type: String },
  issuer: { type: String, required: true },
  expiresAt: { type: Date, required: true, index: { expireAfterSeconds: 0 } },
});
const LoginState = model('LoginState', LoginStateSchema);

const LaunchRelaySchema = new Schema({
  _id: { type: String },
  idToken: { type: String, required: true },
  state: { type: String, required: true },
  expiresAt: { type: Date, required: true, index: { expireAfterSeconds: 0 } },
});
const LaunchRelay = model('LaunchRelay', LaunchRelaySchema);

export const RELAY_PATH = '/lti/relay';

function ttl(): Date {
  return new Date(Date.now() + config().lti.relayTtlSeconds * 1000);
}

/** On the login route: records the state ltijs puts in its cookie before the redirect leaves. */
export function recordLoginStates(loginPath: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== loginPath) return next();
    let state: { id: string; issuer: string } | undefined;
    const cookie = res.cookie.bind(res);
    res.cookie = ((name: string, value: unknown, options: object) => {
      if (name.startsWith('state')) state = { id: name.slice('state'.length), issuer: String(value) };
      return cookie(name, value as string, options);
    }) as Response['cookie'];
    const redirect = res.redirect.bind(res) as (url: string) => void;
    res.redirect = ((url: string) => {
      if (!state) return redirect(url);
      LoginState.create({ _id: state.id, issuer: state.issuer, expiresAt: ttl() }).then(
        () => redirect(url),
        (err: unknown) => next(err),
      );
    }) as Response['redirect'];
    next();
  };
}

/** A successful launch uses its state up: it can never be relayed afterwards. */
export async function forgetLoginState(ltik: string): Promise<void> {
  const state = decodeJwt(ltik).s as string | undefined;
  if (state) await LoginState.deleteOne({ _id: state });
}

function hasAnyStateCookie(req: Request): boolean {
  return [...Object.keys(req.cookies ?? {}), ...Object.keys(req.signedCookies ?? {})].some((k) => k.startsWith('state'));
}

function whoFor(idToken: string): { name: string; issuer: string } {
  try {
    const p = decodeJwt(idToken);
    return { name: (p.name as string | undefined) ?? (p.email as string | undefined) ?? 'you', issuer: String(p.iss ?? '') };
  } catch {
    return { name: 'you', issuer: '' };
  }
}

/** Called when ltijs reports MISSING_VALIDATION_COOKIE on a launch POST. */
export async function offerNewWindow(req: Request, res: Response): Promise<void> {
  const { id_token: idToken, state } = req.body as { id_token?: string; state?: string };
  // A state cookie for another state means the state was swapped, not that cookies are blocked.
  const issued = idToken && state && !hasAnyStateCookie(req) ? await LoginState.findOneAndDelete({ _id: state }).lean() : null;
  if (!idToken || !issued || issued.issuer !== whoFor(idToken).issuer) {
    logger().warn({ reqId: req.id }, 'launch refused: state not issued, already used, or mismatched');
    return renderLaunchFailure(req, res, 'STATE_MISMATCH');
  }
  const id = crypto.randomBytes(24).toString('base64url');
  await LaunchRelay.create({ _id: id, idToken, state, expiresAt: ttl() });
  res.status(200).render('lti/cookies-blocked', { relayUrl: `${RELAY_PATH}/${id}`, who: whoFor(idToken) });
}

/** The new window: restore the state cookie first-party and post the id_token to the launch route. */
export function relayRouter(cookieOptions: { secure: boolean; sameSite: string }): Router {
  const router = Router();
  router.get(`${RELAY_PATH}/:id`, async (req, res, next) => {
    try {
      const relay = await LaunchRelay.findOneAndDelete({ _id: req.params.id, expiresAt: { $gt: new Date() } }).lean();
      if (!relay) {
        return renderRefusal(res, {
          status: 410,
          title: 'This link has expired',
          detail: 'Links to continue a launch work once and for a few minutes. Please open PD Pathways again from your course.',
        });
      }
      const { issuer, name } = whoFor(relay.idToken);
      res.cookie(`state${relay.state}`, issuer, {
        httpOnly: true,
        signed: true,
        secure: cookieOptions.secure,
        sameSite: cookieOptions.sameSite.toLowerCase() as 'lax' | 'none' | 'strict',
        maxAge: 60_000,
      });
      res.render('lti/relay-continue', { idToken: relay.idToken, state: relay.state, who: name });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
