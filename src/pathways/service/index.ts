/**
 * Pathways: validating and versioning pathways, enrolments, assignment batches (planned, from files,
 * run under a lease) and moving people to a newer version. Other features import this index only; the
 * pure rules are in ../rules.ts.
 */

export type { AssignmentBatchDoc, AssignmentDoc, EnrolmentDoc, PathwayDoc } from '../model';
export { parseDueDate, pendingToConfirm, ruleText } from '../rules';
export type { EnrolmentFilter, PathwayRule } from '../rules';
export type { ChangedBy } from './common';
export { PathwayInput, validatePathway } from './validation';
export { archive, createPathway, currentOf, deleteDraft, ensurePublishedPathway, getPathway, latestVersions, listPublished, publish, startRevision, stepActivities, updateDraft, versionsOf } from './versions';
export { enrolmentCounts, enrolmentFor, enrolmentsIn, enrolmentsOf, reportEnrolments, selfEnrol } from './enrolments';
export { planForCourse, planForGroup, planForPeople } from './batches';
export type { AssignTarget } from './batches';
export { MAX_CSV_ROWS, planFromCsv } from './csvBatches';
export { applyBatch, assignmentsOf, batchPathways, getBatch, INLINE_BATCH_ROWS, resumeStalledBatches, runBatch } from './running';
export { migrate, migrationPreview } from './migration';
export type { MigrationLine } from './migration';
