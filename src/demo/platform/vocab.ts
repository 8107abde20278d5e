const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

export const Claim = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  lis: `${LTI}lis`,
  custom: `${LTI}custom`,
  roleScopeMentor: `${LTI}role_scope_mentor`,
  agsEndpoint: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  platformConfiguration: 'https://purl.imsglobal.org/spec/lti-platform-configuration',
  toolConfiguration: 'https://purl.imsglobal.org/spec/lti-tool-configuration',
} as const;

const AGS = 'https://purl.imsglobal.org/spec/lti-ags/scope/';

export const Scope = {
  lineItem: `${AGS}lineitem`,
  lineItemReadonly: `${AGS}lineitem.readonly`,
  resultReadonly: `${AGS}result.readonly`,
  score: `${AGS}score`,
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

export const AGS_SCOPES = [Scope.lineItem, Scope.lineItemReadonly, Scope.resultReadonly, Scope.score];
export const ALL_SCOPES: string[] = [...AGS_SCOPES, Scope.nrps];

export const MediaType = {
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  membershipContainer: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
} as const;

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

export const Role = {
  learner: `${MEMBERSHIP}Learner`,
  instructor: `${MEMBERSHIP}Instructor`,
  mentor: `${MEMBERSHIP}Mentor`,
  contentDeveloper: `${MEMBERSHIP}ContentDeveloper`,
  administrator: `${MEMBERSHIP}Administrator`,
  institutionAdministrator: `${INSTITUTION}Administrator`,
  institutionInstructor: `${INSTITUTION}Instructor`,
  institutionStudent: `${INSTITUTION}Student`,
  institutionStaff: `${INSTITUTION}Staff`,
  institutionMentor: `${INSTITUTION}Mentor`,
  systemAdministrator: `${SYSTEM}Administrator`,
  systemUser: `${SYSTEM}User`,
} as const;

export function isContextRole(role: string): boolean {
  return role.startsWith(MEMBERSHIP);
}

/** "http://…/membership#Learner" → "Learner"; short names pass through. */
export function shortRoleName(role: string): string {
  const hash = role.lastIndexOf('#');
  return hash === -1 ? role : role.slice(hash + 1);
}

export function isMentorRole(role: string): boolean {
  return shortRoleName(role) === 'Mentor';
}

export const LTI_VERSION = '1.3.0';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The name of Canvas's platform-storage frame (`lti_storage_target`), see storage.ts. */
export const STORAGE_FRAME = 'post_message_forwarding';
