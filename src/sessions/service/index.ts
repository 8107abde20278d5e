/**
 * Sessions of catalog activities: scheduling, registration with seats and waitlists. Other features
 * import this index only; the pure rules are in ../rules.ts.
 */
export { SESSION_STATUSES, REGISTRATION_STATUSES } from '../model';
export type { PdSessionDoc, RegistrationDoc } from '../model';
export { getSession } from './common';
export { utcToWallTime } from '../rules';
export { cancelSession, createSession, facilitatorChoices, listSessions, newSignInCode, updateSession } from './schedule';
export { cancelRegistration, findRegistration, promoteWaitlist, register, registrationsOf, rosterOf } from './registrations';
export { awaitingApproval, decideRegistration, getRegistration } from './approvals';
export type { PendingRegistration } from './approvals';
export { APPROVALS_PATH } from './approvers';
export type { RegistrationOutcome } from './registrations';
export { feedOf, inviteFor, issueFeed, readFeed, revokeFeed } from './calendar';
export { attendeesOf, creditDue, maxHours, recordRoster, signInPage, signInWithCode, waitingForEvaluation } from './attendance';
export { evaluationPort, useEvaluations } from './evaluationPort';
export type { Attendee, EvaluationPort } from './evaluationPort';
export type { RosterMark } from './attendance';
export { rosterCounts, sessionsFacilitatedBy } from './facilitating';
export { sessionsOfActivities } from './offers';
export type { SessionsOfActivity } from './offers';
export { moveRegistration, moveTargets, seatFromWaitlist } from './moves';
export type { RosterCounts } from './facilitating';
