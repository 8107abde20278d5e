// LTI 1.3 message claims: https://www.imsglobal.org/spec/lti/v1p3#resource-link-claim
import type { IdToken } from 'ltijs';
import type { PlatformFamily } from '../../kernel/actor';

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
export const CLAIMS = {
  messageType: `${CLAIM}message_type`,
  version: `${CLAIM}version`,
  deploymentId: `${CLAIM}deployment_id`,
  roles: `${CLAIM}roles`,
  custom: `${CLAIM}custom`,
  toolPlatform: `${CLAIM}tool_platform`,
} as const;

/** A custom value the platform did not substitute (e.g. a literal "$Canvas.user.id") is no value. */
function substituted(value: string | undefined): string | undefined {
  return value && !value.startsWith('$') ? value : undefined;
}

/**
 * Course copy: the platform's earlier ids of the launched link and course, most recent first. Canvas and Moodle
 * substitute `$Context.id.history` only; `$ResourceLink.id.history` comes from other platforms (docs/LTI-FACTS.md).
 */
export const HISTORY_CUSTOM = { resource_link_history: '$ResourceLink.id.history', context_history: '$Context.id.history' } as const;

/** At most this many earlier ids are looked at (Canvas lists up to 1000 and ends a longer list with "truncated"). */
const HISTORY_LIMIT = 20;

function decoded(id: string): string | undefined {
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/** A comma-separated list of URL-encoded ids (LTI 1.3 core, context and resource link history). */
export function historyIds(value: string | undefined): string[] {
  const ids = (substituted(value) ?? '').split(',').map((id) => decoded(id.trim()));
  return ids.filter((id): id is string => !!id && id !== 'truncated').slice(0, HISTORY_LIMIT);
}

export function platformFamily(productFamilyCode: string | undefined): PlatformFamily {
  if (productFamilyCode === 'canvas' || productFamilyCode === 'moodle') return productFamilyCode;
  return 'other';
}

/** Everything PD Pathways takes from a validated launch, with names from our domain. */
export interface LaunchFacts {
  issuer: string;
  clientId: string;
  deploymentId: string;
  sub: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  roles: string[];
  family: PlatformFamily;
  platformName: string;
  messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  context?: { id: string; title: string; label: string };
  resourceLinkId?: string;
  /** Earlier ids of this resource link and of this course after a course copy, most recent first. */
  history: { resourceLinks: string[]; contexts: string[] };
  custom: Record<string, string>;
  canvasUserId?: string;
  moodleUserId?: string;
  sourcedId?: string;
  lmsCourseId?: string;
  ags?: { lineitems?: string; lineitem?: string; scope?: string[] };
  nrpsUrl?: string;
  returnUrl?: string;
  /**
   * Signed URLs on the pages that frame this launch: launch_presentation.return_url, tool_platform.url and the
   * deep-linking return URL (LTI 1.3 core §5.4.4, §5.4.1). Canvas frames from the school's own domain, not its issuer.
   */
  framingUrls: string[];
  /** launch_presentation.locale (LTI 1.3 core §5.4.4): the language the platform shows this user. */
  locale?: string;
}

export function launchFacts(token: IdToken): LaunchFacts {
  const ctx = token.platformContext;
  const custom = ctx.custom ?? {};
  const family = platformFamily(token.platformInfo?.product_family_code);
  return {
    issuer: token.iss,
    clientId: token.clientId,
    deploymentId: token.deploymentId,
    sub: token.user,
    name: token.userInfo?.name,
    givenName: token.userInfo?.given_name,
    familyName: token.userInfo?.family_name,
    email: token.userInfo?.email,
    roles: ctx.roles ?? [],
    family,
    platformName: token.platformInfo?.name ?? token.iss,
    messageType: ctx.messageType,
    context: ctx.context ? { id: ctx.context.id, title: ctx.context.title ?? '', label: ctx.context.label ?? '' } : undefined,
    resourceLinkId: ctx.resource?.id,
    history: { resourceLinks: historyIds(custom.resource_link_history), contexts: historyIds(custom.context_history) },
    custom,
    canvasUserId: substituted(custom.canvas_user_id),
    // Moodle's LTI subject is its numeric user id.
    moodleUserId: family === 'moodle' ? token.user : undefined,
    sourcedId: ctx.lis?.person_sourcedid,
    // Moodle's context id is its course id; Canvas needs the $Canvas.course.id substitution.
    lmsCourseId: family === 'moodle' ? ctx.context?.id : substituted(custom.canvas_course_id),
    ags: ctx.endpoint,
    nrpsUrl: ctx.namesRoles?.context_memberships_url,
    returnUrl: ctx.launchPresentation?.return_url,
    framingUrls: [ctx.launchPresentation?.return_url, token.platformInfo?.url, ctx.deepLinkingSettings?.deep_link_return_url].filter((u): u is string => typeof u === 'string'),
    locale: ctx.launchPresentation?.locale,
  };
}
