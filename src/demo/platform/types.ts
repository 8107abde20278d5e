export type Flavor = 'canvas' | 'moodle';

export interface SimUser {
  sub: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
  /** Canvas/Moodle numeric user id as a string. */
  lmsId: string;
  sourcedId?: string;
  /** Full LIS institution/system role URIs, sent in every launch of this user. */
  institutionRoles?: string[];
  /** Subs this user may see as a Mentor when launched outside a course. */
  mentees?: string[];
}

export interface SimMembership {
  userSub: string;
  /** Full LIS role URIs. */
  roles: string[];
  /** Subs this member mentors in the course (sent as role_scope_mentor). */
  mentees?: string[];
}

export interface SimCourse {
  /** LMS course id (Canvas/Moodle numeric id as a string); used in service URLs. */
  id: string;
  label: string;
  title: string;
  members: SimMembership[];
  /** LTI context id; defaults to `id` (Canvas sends an opaque hash instead). */
  contextId?: string;
  sourcedId?: string;
  /** Set by a course copy: the course this one was copied from. */
  copiedFrom?: string;
}

export interface ToolEndpoints {
  loginUrl: string;
  launchUrl: string;
  jwksUrl: string;
  deepLinkUrl?: string;
  /** Further registered redirect URIs, besides launchUrl and deepLinkUrl. */
  redirectUris?: string[];
}

export interface PlatformSimulatorOptions {
  flavor: Flavor;
  /** Absolute URL where `router` is mounted, e.g. http://127.0.0.1:4100 or http://localhost:3000/demo/canvas. */
  baseUrl: string;
  /** Defaults to baseUrl. */
  issuer?: string;
  clientId: string;
  deploymentId: string;
  tool: ToolEndpoints;
  /** Default NRPS page size; 10 when omitted. */
  nrpsPageSize?: number;
  /** Default line item and result page size; 10 when omitted. */
  lineItemPageSize?: number;
}

export type MessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

export interface Tamper {
  /** Claims merged over the generated ones (full claim names). */
  claims?: Record<string, unknown>;
  removeClaims?: string[];
  signWith?: 'foreign-key' | 'none';
  iatOffsetSeconds?: number;
  expiresInSeconds?: number;
  kid?: string;
}

export interface LaunchSpec {
  /** User sub. */
  user: string;
  /** Course id; omitted = no context. */
  course?: string;
  messageType?: MessageType;
  resourceLink?: { id: string; title?: string };
  /** Replace the roles computed from membership and institution roles. */
  roles?: string[];
  custom?: Record<string, string>;
  targetLinkUri?: string;
  /** launch_presentation.locale; default 'en'. */
  locale?: string;
  tamper?: Tamper;
}

export interface LineItem {
  /** Absolute line item URL (the LTI id). */
  id: string;
  courseId: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

export interface Score {
  /** URL of the line item the score was posted to. */
  lineItemId: string;
  /** Sub of the user the score belongs to (Canvas also accepts the numeric user id on input). */
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  timestamp: string;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  receivedAt: Date;
}

export interface SimResourceLink {
  id: string;
  courseId?: string;
  title: string;
  url?: string;
  custom?: Record<string, string>;
  lineItemId?: string;
  /** Set by a course copy: the ids of the links this one was copied from, most recent first. */
  history?: string[];
  /** Moodle: the declared line item, waiting for the activity form to be saved. */
  pendingLineItem?: { label: string; scoreMaximum: number; resourceId?: string; tag?: string };
}

export interface TokenRequestRecord {
  scope: string;
  at: Date;
  status: number;
}

export interface DeepLinkResponseRecord {
  jwt: string;
  payload: Record<string, unknown>;
  courseId?: string;
  resourceLinks: SimResourceLink[];
}

export interface ToolRegistrationRecord {
  clientId: string;
  deploymentId: string;
  request: Record<string, unknown>;
}
