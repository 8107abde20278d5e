// LTI Names and Role Provisioning Services 2.0: https://www.imsglobal.org/spec/lti-nrps/v2p0#context-membership
import { z } from 'zod';
import { TenantId } from '../../db/tenancy';
import { AppError } from '../../kernel/errors';
import { expectOk, fetchWithRetries, nextPageUrl, RetryPolicy, ServiceError, serviceFetch } from '../../kernel/http';
import { roleUri } from '../message/roles';
import { LTI_SCOPES } from '../message/scopes';
import { forgetServiceToken, serviceToken } from './serviceToken';

export const NRPS_MEDIA = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
const NRPS_SCOPES = [LTI_SCOPES.membership];
/** A roster longer than this many pages is refused rather than read forever (a platform looping its links). */
const MAX_PAGES = 500;

/** One person of a course roster, roles as full LIS URIs whatever form the platform sent. */
export interface RosterMember {
  /** The LTI subject (`user_id`): the same id the person's launches carry. */
  sub: string;
  name: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  sourcedId?: string;
  roles: string[];
}

const Member = z.object({
  user_id: z.coerce.string().min(1),
  status: z.string().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  lis_person_sourcedid: z.string().optional(),
  roles: z.array(z.string()).default([]),
});
const Container = z.object({ members: z.array(z.unknown()).default([]) });

function toMember(m: z.infer<typeof Member>): RosterMember {
  const name = m.name || [m.given_name, m.family_name].filter(Boolean).join(' ') || m.email || m.user_id;
  return { sub: m.user_id, name, givenName: m.given_name, familyName: m.family_name, email: m.email || undefined, sourcedId: m.lis_person_sourcedid, roles: m.roles.map(roleUri) };
}

/**
 * A roster is read while PD staff wait for the page: a busy platform (429, 503) is asked again a few
 * times as its Retry-After says, for at most a few seconds in all; then the page says to try later.
 */
export const NRPS_RETRIES: RetryPolicy = {
  retries: 3,
  maxWaitMs: 5_000,
  maxTotalWaitMs: 8_000,
  retryOn: (res) => res.status === 429 || res.status === 503,
  backoffMs: (attempt) => 500 * 2 ** attempt,
};

async function nrpsFetch(tenantId: TenantId, url: string): Promise<Response> {
  const attempt = () =>
    fetchWithRetries(async () => serviceFetch(url, { headers: { Accept: NRPS_MEDIA, Authorization: `Bearer ${await serviceToken(tenantId, NRPS_SCOPES)}` } }), NRPS_RETRIES);
  const res = await attempt();
  if (res.status !== 401) return res;
  forgetServiceToken(tenantId, NRPS_SCOPES);
  return attempt();
}

/** A roster the platform would not give: a page that says so, what did not happen, and when to try again. */
export class RosterUnavailable extends AppError {
  constructor(cause: ServiceError, outcome = 'Nothing was assigned') {
    const busy = cause.status === 429 || cause.status === 503;
    const minutes = cause.retryAfterMs ? Math.max(1, Math.ceil(cause.retryAfterMs / 60_000)) : undefined;
    const later = minutes ? `in ${minutes} minute${minutes === 1 ? '' : 's'}` : 'in a few minutes';
    const why = busy ? `The LMS is busy (it answered ${cause.status}) and asked PD Pathways to wait` : cause.status === 0 ? 'The LMS could not be reached' : `The LMS did not send a usable roster (status ${cause.status})`;
    super(503, 'The course roster could not be read', `${why}. ${outcome}; please try again ${later}.`);
  }
}

/**
 * The active members of a course, read page by page (Link rel="next") from its context memberships
 * URL. `role` (a full URI or a short name like "Learner") is sent as the filter and also applied here,
 * since not every platform honours it. `unavailable` says what did not happen when the roster cannot be read.
 */
export async function courseRoster(tenantId: TenantId, membershipsUrl: string, opts: { role?: string; unavailable?: string } = {}): Promise<{ members: RosterMember[]; pages: number }> {
  try {
    return await readRoster(tenantId, membershipsUrl, opts);
  } catch (err) {
    throw err instanceof ServiceError ? new RosterUnavailable(err, opts.unavailable) : err;
  }
}

async function readRoster(tenantId: TenantId, membershipsUrl: string, opts: { role?: string }): Promise<{ members: RosterMember[]; pages: number }> {
  const role = opts.role ? roleUri(opts.role) : undefined;
  const first = new URL(membershipsUrl);
  if (role) first.searchParams.set('role', role);
  const members = new Map<string, RosterMember>();
  const seen = new Set<string>();
  let url: string | undefined = first.toString();
  while (url) {
    if (seen.has(url) || seen.size >= MAX_PAGES) throw new ServiceError(502, 'The roster service kept sending more pages; the roster was not read.');
    seen.add(url);
    const res = await expectOk(await nrpsFetch(tenantId, url), 'The course roster service');
    const body = Container.safeParse(await res.json().catch(() => undefined));
    if (!body.success) throw new ServiceError(502, 'The course roster service answered without a member list');
    for (const raw of body.data.members) {
      const parsed = Member.safeParse(raw);
      if (!parsed.success || (parsed.data.status && parsed.data.status !== 'Active')) continue;
      const member = toMember(parsed.data);
      if (!role || member.roles.includes(role)) members.set(member.sub, member);
    }
    url = nextPageUrl(res.headers.get('link'));
  }
  return { members: [...members.values()], pages: seen.size };
}
