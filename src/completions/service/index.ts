/**
 * Completion sync: sources, ingestion into the ledger, matching and applying to plans, replay,
 * mappings, pollers and CSV imports. Other features import this index only; the pure rules are in
 * ../rules.ts.
 */

export { EVENT_STATUSES, SOURCE_KINDS, USER_ID_KINDS } from '../model';
export type { CompletionEventDoc, CompletionImportDoc, CompletionMappingDoc, CompletionSourceDoc, EventStatus, SourceKind, UserIdKind } from '../model';
export { HOOK_KINDS, idempotencyKey, isFailing, POLL_KINDS, SOURCE_LABELS, watermark } from '../rules';
export type { CompletionInput, HookKind, PollKind } from '../rules';
export { CANVAS_LIVE_EVENTS_JWKS, settled } from './common';
export type { ChangedBy } from './common';
export { configureSource, getSource, hookPath, issueHookSecrets, listSources, requestSync } from './sources';
export type { IssuedSecrets } from './sources';
export { ingest, ingestNew } from './ingest';
export type { BatchResult, IngestResult } from './ingest';
export { receiveLiveEvent, receiveWebhook } from './deliveries';
export { processEvent, processPending, processSoon } from './processing';
export { replayEvent, replayForPerson, replayForPlan } from './replay';
export { coursesSeen, createMapping, deleteMapping, listMappings, MappingInput, searchActivities } from './mappings';
export type { SeenCourse } from './mappings';
export { getEvent, listEvents, recentForPerson, syncOverview, syncSummary } from './ledger';
export type { LedgerFilter, SyncOverview, SyncSummary, UnmatchedCourse } from './ledger';
export { duePollers, ingestPolled, mappedCourseIds, pollerCredentials, recordedLearners, recordPoll } from './pollers';
export type { PollRun } from './pollers';
export { CSV_COLUMNS, getImport, MAX_IMPORT_ROWS, previewImport, resumeImports, runImport, startImport } from './imports';
export type { ImportPreview, RowError } from './imports';
