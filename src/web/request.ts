import crypto from 'node:crypto';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { config } from '../config';
import type { Actor } from '../kernel/actor';
import { FormExpired, Unauthorized } from '../kernel/errors';
import { chooseLocale, dateHelpers, DEFAULT_TIME_ZONE, money, Reader } from './format';

export function csrfFor(ltik: string): string {
  return crypto.createHmac('sha256', config().secrets.csrfKey).update(ltik).digest('base64url').slice(0, 32);
}

/** Builds links that keep the ltik (the session travels in the URL, not in third-party cookies). */
export function linkBuilder(ltik: string) {
  return (path: string, query: Record<string, string | number | undefined> = {}): string => {
    const [beforeHash, hash] = path.split('#');
    const [base, existing] = beforeHash!.split('?');
    const params = new URLSearchParams(existing);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    params.set('ltik', ltik);
    return `${base}?${params.toString()}${hash ? `#${hash}` : ''}`;
  };
}

export const readerOf = (actor: Pick<Actor, 'locale' | 'timeZone'>): Reader => ({ locale: actor.locale ?? chooseLocale(undefined), timeZone: actor.timeZone ?? DEFAULT_TIME_ZONE });

/** Views get `date`, `dateTime`, `time` and `range` bound to the reader, `locale` and `money`. */
export function useReader(res: Response, reader: Reader): void {
  Object.assign(res.locals, { locale: reader.locale, money }, dateHelpers(reader));
}

/** Pages without a launch (public verify pages, errors) write dates in the browser's language. */
export const browserReader: RequestHandler = (req, res, next) => {
  useReader(res, { locale: chooseLocale(undefined, req.acceptsLanguages()), timeZone: DEFAULT_TIME_ZONE });
  next();
};

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
