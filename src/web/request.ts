import crypto from 'node:crypto';
import { NextFunction, Request, Response } from 'express';
import { config } from '../config';
import type { Actor } from '../kernel/actor';
import { FormExpired, Unauthorized } from '../kernel/errors';

export function csrfFor(ltik: string): string {
  return crypto.createHmac('sha256', config().secrets.csrfKey).update(ltik).digest('base64url').slice(0, 32);
}

/** Builds links that keep the ltik (the session travels in the URL, not in third-party cookies). */
export function linkBuilder(ltik: string) {
  return (path: string, query: Record<string, string | number | undefined> = {}): string => {
    const [base, existing] = path.split('?');
    const params = new URLSearchParams(existing);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    params.set('ltik', ltik);
    return `${base}?${params.toString()}`;
  };
}

/** The Actor session/loadActor.ts put on the request. */
export function actorOf(res: Response): Actor {
  const actor = res.locals.actor as Actor | undefined;
  if (!actor) throw new Unauthorized('Open PD Pathways from your course in Canvas or Moodle.');
  return actor;
}

/** State-changing requests carry a CSRF token bound to their ltik (form field _csrf or header X-CSRF-Token). */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
  const sent = (req.body?._csrf as string | undefined) ?? req.get('x-csrf-token');
  const expected = res.locals.csrf as string | undefined;
  const ok = !!sent && !!expected && sent.length === expected.length && crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  next(ok ? undefined : new FormExpired());
}
