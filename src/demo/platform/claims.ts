import { createHash, randomBytes } from 'node:crypto';
import type { SimCore } from './core';
import { contextHistory } from './courseCopy';
import { launchRoles, mentorScope } from './directory';
import type { LaunchSpec, MessageType, SimCourse, SimResourceLink, SimUser, ToolEndpoints } from './types';
import { AGS_SCOPES, Claim, LTI_VERSION } from './vocab';

type Claims = Record<string, unknown>;

export const DEFAULT_LINK_TITLE = 'PD Pathways';

export function messageTypeOf(spec: LaunchSpec): MessageType {
  return spec.messageType ?? 'LtiResourceLinkRequest';
}

/** Where the platform sends the browser: the spec's target, else the tool's launch or deep-linking URL. */
export function targetLinkUri(tool: ToolEndpoints, spec: LaunchSpec, link?: SimResourceLink): string {
  if (spec.targetLinkUri) return spec.targetLinkUri;
  if (messageTypeOf(spec) === 'LtiDeepLinkingRequest') return tool.deepLinkUrl ?? tool.launchUrl;
  return link?.url ?? tool.launchUrl;
}

/** The resource link a launch comes from; one created by deep linking lends its title, URL and custom. */
export function resourceLinkFor(core: SimCore, spec: LaunchSpec): SimResourceLink {
  const id = spec.resourceLink?.id ?? `${spec.course ?? 'account'}-pd-pathways`;
  const known = core.resourceLinks.get(id);
  return {
    ...known,
    id,
    courseId: spec.course,
    title: spec.resourceLink?.title ?? known?.title ?? DEFAULT_LINK_TITLE,
  };
}

/** All claims of an id_token for `spec`, before any tampering. */
export function idTokenClaims(core: SimCore, spec: LaunchSpec, nonce: string, iat: number, lifetime: number): Claims {
  const user = core.directory.user(spec.user);
  const course = spec.course ? core.directory.course(spec.course) : undefined;
  const membership = course ? core.directory.membership(course, user.sub) : undefined;
  const roles = spec.roles ?? launchRoles(user, membership, core.profile.implicitRoles);
  const mentees = mentorScope(roles, user, membership);
  const link = messageTypeOf(spec) === 'LtiResourceLinkRequest' ? resourceLinkFor(core, spec) : undefined;

  return {
    ...identityClaims(core, user, nonce, iat, lifetime),
    [Claim.messageType]: messageTypeOf(spec),
    [Claim.version]: LTI_VERSION,
    [Claim.deploymentId]: core.deploymentId,
    [Claim.targetLinkUri]: targetLinkUri(core.tool, spec, link),
    ...(link && { [Claim.resourceLink]: { id: link.id, title: link.title } }),
    [Claim.roles]: roles,
    ...(course && { [Claim.context]: contextClaim(core, course) }),
    [Claim.toolPlatform]: toolPlatformClaim(core),
    [Claim.launchPresentation]: {
      document_target: 'iframe',
      return_url: core.urls.launchReturn(course?.id),
      locale: spec.locale ?? 'en',
    },
    [Claim.lis]: lisClaim(core, user, course),
    [Claim.custom]: substituted(core, { ...flavorCustom(core, user, course), ...link?.custom, ...spec.custom }, course, link),
    ...(course && serviceClaims(core, course, link)),
    ...(mentees.length > 0 && { [Claim.roleScopeMentor]: mentees }),
    ...(messageTypeOf(spec) === 'LtiDeepLinkingRequest' && {
      [Claim.deepLinkingSettings]: deepLinkingSettings(core, course),
    }),
  };
}

function identityClaims(core: SimCore, user: SimUser, nonce: string, iat: number, lifetime: number): Claims {
  return {
    iss: core.issuer,
    aud: core.clientId,
    ...(core.profile.sendsAzp && { azp: core.clientId }),
    sub: user.sub,
    iat,
    exp: iat + lifetime,
    nonce,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
  };
}

function contextClaim(core: SimCore, course: SimCourse): Claims {
  return { id: course.contextId ?? course.id, label: course.label, title: course.title, type: [core.profile.contextType] };
}

function toolPlatformClaim(core: SimCore): Claims {
  const { platform, flavor } = core.profile;
  const digest = createHash('sha256').update(core.issuer).digest('hex').slice(0, 32);
  return {
    guid: flavor === 'canvas' ? `${digest}:canvas-lms` : digest,
    name: platform.name,
    product_family_code: platform.productFamilyCode,
    version: platform.version,
  };
}

/** Moodle always sends both keys (empty when unset); Canvas leaves unset ones out. */
function lisClaim(core: SimCore, user: SimUser, course: SimCourse | undefined): Claims {
  const lis = { person_sourcedid: user.sourcedId, course_section_sourcedid: course?.sourcedId };
  if (core.profile.flavor === 'moodle') {
    return { person_sourcedid: lis.person_sourcedid ?? '', course_section_sourcedid: lis.course_section_sourcedid ?? '' };
  }
  return Object.fromEntries(Object.entries(lis).filter(([, v]) => v !== undefined));
}

/** Canvas resolves `$Canvas.user.id`/`$Canvas.course.id`; Moodle repeats the NRPS URL. */
function flavorCustom(core: SimCore, user: SimUser, course: SimCourse | undefined): Record<string, string> {
  if (core.profile.flavor === 'canvas') {
    return { canvas_user_id: user.lmsId, ...(course && { canvas_course_id: course.id }) };
  }
  return course ? { context_memberships_url: core.urls.memberships(course.id) } : {};
}

/**
 * Custom values naming a variable the platform knows are replaced by its value (history: URL-encoded ids, comma
 * separated, most recent first); any other variable is sent as its name, as Canvas and Moodle do.
 */
function substituted(core: SimCore, custom: Record<string, string>, course: SimCourse | undefined, link: SimResourceLink | undefined): Record<string, string> {
  const list = (ids: string[]) => ids.map(encodeURIComponent).join(',');
  const values: Record<string, string | undefined> = {
    '$Context.id.history': course && list(contextHistory(core, course)),
    '$ResourceLink.id.history': core.sendsLinkHistory && link ? list(link.history ?? []) : undefined,
  };
  return Object.fromEntries(Object.entries(custom).map(([key, value]) => [key, values[value] ?? value]));
}

function serviceClaims(core: SimCore, course: SimCourse, link: SimResourceLink | undefined): Claims {
  const lineItem = link && core.ags.list(course.id).find((item) => item.resourceLinkId === link.id);
  return {
    [Claim.agsEndpoint]: {
      scope: AGS_SCOPES,
      lineitems: core.urls.lineItems(course.id),
      ...(lineItem && { lineitem: lineItem.id }),
    },
    [Claim.nrps]: {
      context_memberships_url: core.urls.memberships(course.id),
      service_versions: core.profile.nrpsServiceVersions,
    },
  };
}

function deepLinkingSettings(core: SimCore, course: SimCourse | undefined): Claims {
  const settings: Claims = {
    deep_link_return_url: core.urls.deepLinkReturn(course?.id),
    accept_types: ['ltiResourceLink'],
    accept_presentation_document_targets: core.profile.deepLinkTargets,
    accept_multiple: true,
    auto_create: true,
    ...(core.acceptLineItems ? {} : { accept_lineitem: false }),
  };
  if (core.profile.deepLinkData) {
    const data = randomBytes(24).toString('base64url');
    core.deepLinkData.add(data);
    settings.data = data;
  }
  return settings;
}
