// LTI Client Side postMessages (platform storage): https://www.imsglobal.org/spec/lti-cs-oidc/v0p1
import { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { Schema, model } from 'mongoose';
import { config } from '../../config';

/**
 * A launch whose browser proved itself through LTI platform storage instead of a cookie
 * (1EdTech LTI Client Side postMessages). ltijs binds each ltik to a session cookie that such a
 * browser never sends back from the LMS frame; for these launches alone, and only until `expiresAt`,
 * the ltik is accepted without it. Keyed by the state of the launch, which ltijs signs into the ltik.
 */
const CookielessLaunchSchema = new Schema(
  {
    _id: { type: String },
    expiresAt: { type: Date, required: true, index: { expireAfterSeconds: 0 } },
  },
  { versionKey: false },
);
const CookielessLaunch = model('LtiCookielessLaunch', CookielessLaunchSchema, 'lticookielesslaunches');

export async function allowCookieless(state: string): Promise<void> {
  const expiresAt = new Date(Date.now() + config().lti.cookielessSessionHours * 3600_000);
  await CookielessLaunch.updateOne({ _id: state }, { $set: { expiresAt } }, { upsert: true });
}

export async function forgetCookieless(state: string): Promise<void> {
  await CookielessLaunch.deleteOne({ _id: state });
}

interface LtikClaims {
  platformCode?: unknown;
  user?: unknown;
  s?: unknown;
}

/**
 * Runs before ltijs checks the ltik. The ltik's claims are read unverified only to find the launch;
 * ltijs still verifies its signature, so a forged ltik gains nothing from the cookie supplied here.
 */
export async function cookielessSession(req: Request, _res: Response, next: NextFunction): Promise<void> {
  const ltik = (req as Request & { token?: unknown }).token;
  if (typeof ltik !== 'string') return next();
  try {
    let claims: LtikClaims;
    try {
      claims = decodeJwt(ltik) as LtikClaims;
    } catch {
      return next();
    }
    const { platformCode, user, s: state } = claims;
    if (typeof platformCode !== 'string' || typeof user !== 'string' || typeof state !== 'string') return next();
    if (req.signedCookies?.[platformCode]) return next();
    if (await CookielessLaunch.exists({ _id: state, expiresAt: { $gt: new Date() } })) {
      req.signedCookies = { ...req.signedCookies, [platformCode]: user };
    }
    next();
  } catch (err) {
    next(err);
  }
}
