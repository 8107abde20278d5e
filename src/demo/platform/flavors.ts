import type { Flavor, GradingProgress } from './types';
import { Role, STORAGE_FRAME } from './vocab';

/**
 * Everything that differs between the Canvas-like and the Moodle-like platform.
 * Values follow what the real platforms do (see docs/LTI-FACTS.md).
 */
export interface FlavorProfile {
  flavor: Flavor;
  /** Endpoint paths, relative to the router mount point. */
  paths: {
    auth: string;
    token: string;
    jwks: string;
    openidConfiguration: string;
    registration: string;
    lineItems: string;
    lineItem: string;
    memberships: string;
    deepLinkReturn: string[];
    launchReturn: string[];
  };
  /** Moodle adds `?type_id=<tool type id>` to every service URL. */
  serviceQuery: 'type_id' | null;
  platform: { name: string; productFamilyCode: Flavor; version: string };
  idTokenLifetimeSeconds: number;
  sendsAzp: boolean;
  contextType: string;
  /** Roles every launch carries in addition to membership and institution roles. */
  implicitRoles: string[];
  /** Moodle unsets the launch hint from the session after one auth request. */
  singleUseMessageHint: boolean;
  /** Extra login initiation parameters the platform sends. */
  loginExtras: Record<string, string>;
  nrpsRoles: 'uri' | 'short';
  nrpsServiceVersions: string[];
  deepLinkData: boolean;
  deepLinkTargets: string[];
  /**
   * When a line item declared in a deep-linking response becomes a gradebook column: Canvas at once; Moodle only
   * when the teacher saves the activity form the content was returned into (never, if they cancel it).
   */
  declaredLineItems: 'on-placement' | 'on-form-save';
  /** Canvas refuses API calls without a User-Agent. */
  requiresUserAgent: boolean;
  rateLimitHeaders: boolean;
  /** Status for a score of a user who cannot be graded in the course. */
  notGradableStatus: number;
  /** How an out-of-order score timestamp is refused. */
  staleScore: { status: number; resolutionMs: number; refuseEqual: boolean };
  scoreResponse: 'result-url' | 'empty';
  /** Grading progress values for which a score's scoreGiven counts as the result. */
  gradedProgress: GradingProgress[];
  /** Canvas refuses a token request with any unknown scope; Moodle grants the known subset. */
  scopePolicy: 'all-or-nothing' | 'intersect';
  /** Canvas accepts its numeric user id as `userId` in scores. */
  acceptsLmsUserId: boolean;
  /** Status for a malformed dynamic registration. */
  badRegistrationStatus: number;
}

const canvas: FlavorProfile = {
  flavor: 'canvas',
  paths: {
    auth: '/api/lti/authorize_redirect',
    token: '/login/oauth2/token',
    jwks: '/api/lti/security/jwks',
    openidConfiguration: '/api/lti/security/openid-configuration',
    registration: '/api/lti/registrations',
    lineItems: '/api/lti/courses/:courseId/line_items',
    lineItem: '/api/lti/courses/:courseId/line_items/:itemId',
    memberships: '/api/lti/courses/:courseId/names_and_roles',
    deepLinkReturn: ['/courses/:courseId/deep_linking_response', '/accounts/:accountId/deep_linking_response'],
    launchReturn: [
      '/courses/:courseId/external_content/success/external_tool_redirect',
      '/accounts/:accountId/external_content/success/external_tool_redirect',
    ],
  },
  serviceQuery: null,
  platform: { name: 'Canvas LMS (simulated)', productFamilyCode: 'canvas', version: 'cloud' },
  idTokenLifetimeSeconds: 3600,
  sendsAzp: true,
  contextType: 'http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering',
  implicitRoles: [Role.systemUser],
  singleUseMessageHint: false,
  loginExtras: { canvas_region: 'not_configured', canvas_environment: 'prod', lti_storage_target: STORAGE_FRAME },
  nrpsRoles: 'uri',
  nrpsServiceVersions: ['2.0'],
  deepLinkData: true,
  deepLinkTargets: ['iframe', 'window'],
  declaredLineItems: 'on-placement',
  requiresUserAgent: true,
  rateLimitHeaders: true,
  notGradableStatus: 422,
  staleScore: { status: 400, resolutionMs: 1, refuseEqual: false },
  scoreResponse: 'result-url',
  gradedProgress: ['FullyGraded', 'PendingManual'],
  scopePolicy: 'all-or-nothing',
  acceptsLmsUserId: true,
  badRegistrationStatus: 422,
};

const moodle: FlavorProfile = {
  flavor: 'moodle',
  paths: {
    auth: '/mod/lti/auth.php',
    token: '/mod/lti/token.php',
    jwks: '/mod/lti/certs.php',
    openidConfiguration: '/mod/lti/openid-configuration.php',
    registration: '/mod/lti/openid-registration.php',
    lineItems: '/mod/lti/services.php/:courseId/lineitems',
    lineItem: '/mod/lti/services.php/:courseId/lineitems/:itemId/lineitem',
    memberships: '/mod/lti/services.php/CourseSection/:courseId/bindings/:typeId/memberships',
    deepLinkReturn: ['/mod/lti/contentitem_return.php'],
    launchReturn: ['/mod/lti/return.php'],
  },
  serviceQuery: 'type_id',
  platform: { name: 'Moodle (simulated)', productFamilyCode: 'moodle', version: '2024100700' },
  idTokenLifetimeSeconds: 60,
  sendsAzp: false,
  contextType: 'http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection',
  implicitRoles: [],
  singleUseMessageHint: true,
  loginExtras: {},
  nrpsRoles: 'short',
  nrpsServiceVersions: ['1.0', '2.0'],
  deepLinkData: false,
  deepLinkTargets: ['frame', 'iframe', 'window'],
  declaredLineItems: 'on-form-save',
  requiresUserAgent: false,
  rateLimitHeaders: false,
  notGradableStatus: 400,
  // Moodle compares strtotime(timestamp) with the grade's timemodified, both in seconds, using >=.
  staleScore: { status: 409, resolutionMs: 1000, refuseEqual: true },
  scoreResponse: 'empty',
  gradedProgress: ['FullyGraded'],
  scopePolicy: 'intersect',
  acceptsLmsUserId: false,
  badRegistrationStatus: 401,
};

export function flavorProfile(flavor: Flavor): FlavorProfile {
  return flavor === 'canvas' ? canvas : moodle;
}
