import crypto from 'node:crypto';
import type { IdToken } from 'ltijs';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Types } from 'mongoose';
import { config } from '../config';
import { effectiveRoles, Role, teachesCourse } from '../lti/roles';
import { launchFacts } from '../lti/claims';
import * as tenants from '../tenants/service';
import * as groups from '../groups/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import type { PlatformFamily, TenantPolicy } from '../tenants/service';
import { FormExpired, Unauthorized } from './errors';
import { allowFraming } from './framing';
import { chooseLocale, dateHelpers, DEFAULT_TIME_ZONE, money, Reader } from './format';
import { navFor } from './nav';

/** Who is asking, in which tenant and course: what every policy function receives. */
export interface Actor {
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  sub: string;
  name: string;
  email?: string;
  roles: ReadonlySet<Role>;
  platform: { name: string; family: PlatformFamily; issuer: string };
  /** The course of the launch; `instructor`: the launch's context roles name this person its Instructor. */
  context?: { id: string; title: string; label: string; instructor: boolean };
  policy: TenantPolicy;
  /** BCP 47 locale dates are written in: the launch's, else the browser's, else en-US. */
  locale?: string;
  /** IANA zone moments are shown in: the district's, else UTC. */
  timeZone?: string;
  /** Teachers a granted approver answers for (their schools' and groups' members); absent: the whole district. */
  approverScope?: ReadonlySet<string>;
}

/** The first predicate of every policy: the subject belongs to the actor's tenant. */
export function sameTenant(actor: Actor, subject: { tenantId: Types.ObjectId }): boolean {
  return actor.tenantId.equals(subject.tenantId);
}

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

/** After ltijs validated the ltik: load tenant and user, expose actor, csrf and link helper to views. */
export const loadActor: RequestHandler = async (req, res, next) => {
  try {
    const token = res.locals.token as IdToken | undefined;
    if (!token) throw new Unauthorized('Open PD Pathways from your course in Canvas or Moodle.');
    const facts = launchFacts(token);
    const tenant = await tenants.findTenant(facts.issuer, facts.clientId);
    const user = tenant && ((res.locals.launchedUser as UserDoc | undefined) ?? (await users.findBySub(tenant._id, facts.sub)));
    if (!tenant || !user) throw new Unauthorized('Your launch session is no longer valid. Please open PD Pathways again from your LMS.');
    allowFraming(res, tenants.framingUrls(tenant));
    const actor: Actor = {
      tenantId: tenant._id,
      userId: user._id,
      sub: facts.sub,
      name: user.name || facts.name || 'Unnamed user',
      email: user.aliases?.email ?? undefined,
      roles: effectiveRoles(facts.roles, user.grants),
      platform: { name: facts.platformName, family: tenant.family as PlatformFamily, issuer: tenant.issuer },
      context: facts.context && { ...facts.context, instructor: teachesCourse(facts.roles) },
      policy: tenant.policy as TenantPolicy,
      locale: chooseLocale(facts.locale, req.acceptsLanguages()),
      timeZone: DEFAULT_TIME_ZONE,
    };
    if (actor.roles.has('approver') && !actor.roles.has('pdStaff')) {
      const scope = await groups.approverScope(tenant._id, user._id);
      if (scope) actor.approverScope = new Set(scope.map(String));
    }
    const ltik = res.locals.ltik as string;
    res.locals.actor = actor;
    useReader(res, readerOf(actor));
    res.locals.ltik = ltik;
    res.locals.csrf = csrfFor(ltik);
    res.locals.link = linkBuilder(ltik);
    res.locals.nav = navFor(actor);
    res.locals.currentPath = req.path;
    next();
  } catch (err) {
    next(err);
  }
};

export const readerOf = (actor: Pick<Actor, 'locale' | 'timeZone'>): Reader => ({ locale: actor.locale ?? chooseLocale(undefined), timeZone: actor.timeZone ?? DEFAULT_TIME_ZONE });

/** Views get `date`, `dateTime`, `time` and `range` bound to the reader, `locale` and `money`. */
function useReader(res: Response, reader: Reader): void {
  Object.assign(res.locals, { locale: reader.locale, money }, dateHelpers(reader));
}

/** Pages without a launch (public verify pages, errors) write dates in the browser's language. */
export const browserReader: RequestHandler = (req, res, next) => {
  useReader(res, { locale: chooseLocale(undefined, req.acceptsLanguages()), timeZone: DEFAULT_TIME_ZONE });
  next();
};

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
