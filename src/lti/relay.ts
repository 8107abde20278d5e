import crypto from 'node:crypto';
import { handle } from '../web/route';
import { Request, Response, Router } from 'express';
import { decodeJwt } from 'jose';
import { Provider as lti } from 'ltijs';
import { Schema, model } from 'mongoose';
import { config } from '../config';
import { logger } from '../log';
import { renderLaunchFailure, renderRefusal } from './pages';

/**
 * Third-party cookies blocked in the LMS iframe (Safari, Chrome incognito): the state cookie set at
 * login never comes back, so ltijs refuses the launch. A launch that arrives with no state cookie at
 * all, whose nonce was never used, may finish in a new top-level window, where cookies are
 * first-party. The id_token is kept a few minutes for that; ltijs validates it there as usual.
 */
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

function hasAnyStateCookie(req: Request): boolean {
  return [...Object.keys(req.cookies ?? {}), ...Object.keys(req.signedCookies ?? {})].some((k) => k.startsWith('state'));
}

function whoFor(idToken: string): { name: string; issuer: string; nonce?: string } {
  try {
    const p = decodeJwt(idToken);
    return { name: (p.name as string | undefined) ?? (p.email as string | undefined) ?? 'you', issuer: String(p.iss ?? ''), nonce: p.nonce as string | undefined };
  } catch {
    return { name: 'you', issuer: '' };
  }
}

async function nonceUnused(nonce: string | undefined): Promise<boolean> {
  return !!nonce && !(await lti.Database.Get(false, 'nonce', { nonce }));
}

/** Called when ltijs reports MISSING_VALIDATION_COOKIE on a launch POST. */
export async function offerNewWindow(req: Request, res: Response): Promise<void> {
  const { id_token: idToken, state } = req.body as { id_token?: string; state?: string };
  // A state cookie for another state means the state was swapped, not that cookies are blocked.
  if (!idToken || !state || hasAnyStateCookie(req) || !(await nonceUnused(whoFor(idToken).nonce))) {
    logger().warn({ reqId: req.id }, 'launch refused: state mismatched or launch already used');
    return renderLaunchFailure(req, res, 'STATE_MISMATCH');
  }
  const id = crypto.randomBytes(24).toString('base64url');
  await LaunchRelay.create({ _id: id, idToken, state, expiresAt: ttl() });
  res.status(200).render('lti/cookies-blocked', { relayUrl: `${RELAY_PATH}/${id}`, who: whoFor(idToken) });
}

/** The new window: restore the state cookie first-party and post the id_token to the launch route. */
export function relayRouter(cookieOptions: { secure: boolean; sameSite: string }): Router {
  const router = Router();
  router.get(`${RELAY_PATH}/:id`, handle(async (req, res) => {
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
  }));
  return router;
}
