import crypto from 'node:crypto';
import { Request, Response, Router } from 'express';
import { decodeJwt } from 'jose';
import { Schema, model } from 'mongoose';
import { config } from '../config';
import { renderRefusal } from './pages';

/**
 * Third-party cookies blocked in the LMS iframe (Safari, Chrome incognito): the state cookie set at
 * login never comes back, so ltijs refuses the launch. We keep the signed id_token for a few minutes
 * and let the user finish the launch in a new top-level window, where cookies are first-party.
 */
const LaunchRelaySchema = new Schema({
  _id: { type: String },
  idToken: { type: String, required: true },
  state: { type: String, required: true },
  expiresAt: { type: Date, required: true, index: { expireAfterSeconds: 0 } },
});
const LaunchRelay = model('LaunchRelay', LaunchRelaySchema);

export const RELAY_PATH = '/lti/relay';

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
  if (!idToken || !state) return renderRefusal(res, { status: 401, title: 'The launch could not be verified', detail: 'Please open PD Pathways again from your course.' });
  const id = crypto.randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + config().lti.relayTtlSeconds * 1000);
  await LaunchRelay.create({ _id: id, idToken, state, expiresAt });
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
