// Login state cookies across the LMS frame: https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login
import { CookieOptions, NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../config';

type CookiePolicy = AppConfig['lti']['cookies'];

/**
 * Cookies of a tool framed by an LMS on another site must be `SameSite=None; Secure`; `Partitioned`
 * (CHIPS) keeps them working in browsers that block unpartitioned third-party cookies. Over plain
 * http in development the config keeps `Lax` and no `Secure` (browsers drop `None` without `Secure`).
 */
export function partitionedFor(policy: CookiePolicy): boolean {
  return policy.partitioned && policy.secure && policy.sameSite === 'None';
}

/** The options of the OIDC state cookie, the same ones ltijs uses for its own cookies. */
export function stateCookieOptions(policy: CookiePolicy, maxAgeMs: number): CookieOptions {
  return {
    httpOnly: true,
    signed: true,
    secure: policy.secure,
    sameSite: policy.sameSite.toLowerCase() as 'lax' | 'none' | 'strict',
    partitioned: partitionedFor(policy),
    maxAge: maxAgeMs,
  };
}

/** ltijs sets and clears its cookies itself; this adds `Partitioned` to every one of them when the policy asks. */
export function partitionCookies(policy: CookiePolicy) {
  const partitioned = partitionedFor(policy);
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (partitioned) {
      const cookie = res.cookie.bind(res) as (name: string, value: unknown, options?: CookieOptions) => Response;
      res.cookie = ((name: string, value: unknown, options: CookieOptions = {}) => cookie(name, value, { ...options, partitioned: true })) as Response['cookie'];
    }
    next();
  };
}

export const STATE_COOKIE_PREFIX = 'state';
