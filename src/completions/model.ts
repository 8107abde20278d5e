import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** Where a completion came from: one value per source PD staff configure. */
export const SOURCE_KINDS = ['canvas-live', 'canvas-rest', 'moodle-ws', 'webhook', 'csv', 'attendance'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * An event's place in the pipeline. received → matched → applied | not-in-plan; it waits as
 * unmatched-user or unmatched-course until an identity or a mapping appears; ignored-duplicate when
 * every plan already had the activity done (first completion wins).
 */
export const EVENT_STATUSES = ['received', 'matched', 'unmatched-user', 'unmatched-course', 'ignored-duplicate', 'applied', 'not-in-plan'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
/** Statuses the processor still has to work on. */
export const PENDING_STATUSES: EventStatus[] = ['received', 'matched'];

/** How the LMS user id of an event is to be read. */
export const USER_ID_KINDS = ['sub', 'canvasId', 'moodleId', 'email', 'sourcedId'] as const;
export type UserIdKind = (typeof USER_ID_KINDS)[number];

const TimelineEntrySchema = new Schema(
  {
    at: { type: Date, default: () => new Date() },
    step: { type: String, required: true },
    detail: { type: String, default: '' },
  },
  { _id: false },
);

const AppliedSchema = new Schema(
  {
    activityId: { type: Schema.Types.ObjectId, required: true },
    planId: { type: Schema.Types.ObjectId, required: true },
    goalId: { type: Schema.Types.ObjectId, required: true },
  },
  { _id: false },
);

/** The ledger: one document per completion any source reported; never deleted. */
const CompletionEventSchema = new Schema(
  {
    source: { type: String, enum: SOURCE_KINDS, required: true },
    /** source + course + LMS user + completion time: a second delivery of the same fact collides here. */
    idempotencyKey: { type: String, required: true },
    /** The sender's own id for the delivery (Canvas request id, webhook event id), when it has one. */
    externalKey: String,
    /** Namespace of courseId: "lms" is the tenant's own Canvas/Moodle; webhooks may name another system. */
    system: { type: String, default: 'lms' },
    courseId: String,
    courseTitle: { type: String, default: '' },
    /** A CSV row or webhook may name the catalog activity directly instead of a course. */
    activityId: { type: Schema.Types.ObjectId },
    lmsUserId: { type: String, required: true },
    userIdKind: { type: String, enum: USER_ID_KINDS, required: true },
    userEmail: String,
    userName: { type: String, default: '' },
    completedAt: { type: Date, required: true },
    hours: Number,
    payload: { type: Schema.Types.Mixed },
    status: { type: String, enum: EVENT_STATUSES, default: 'received' },
    reason: { type: String, default: '' },
    userId: { type: Schema.Types.ObjectId },
    activityIds: { type: [Schema.Types.ObjectId], default: [] },
    applied: { type: [AppliedSchema], default: [] },
    /** Later deliveries of the same completion, acknowledged and ignored. */
    duplicates: { type: Number, default: 0 },
    timeline: { type: [TimelineEntrySchema], default: [] },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: Date,
    lastError: String,
    /** A processor holds the event until leaseUntil, so two instances never work on it at once. */
    leaseOwner: String,
    leaseUntil: Date,
    /** The claim whose processor recorded the decision (a processor that lost its lease can tell it was not its own). */
    decidedBy: String,
    receivedAt: { type: Date, default: () => new Date() },
  },
  { timestamps: true },
);
CompletionEventSchema.plugin(tenantScoped);
CompletionEventSchema.index({ tenantId: 1, idempotencyKey: 1 }, { unique: true });
CompletionEventSchema.index({ tenantId: 1, status: 1, nextAttemptAt: 1 });
CompletionEventSchema.index({ tenantId: 1, receivedAt: -1 });
CompletionEventSchema.index({ tenantId: 1, system: 1, courseId: 1, status: 1 });
CompletionEventSchema.index({ tenantId: 1, lmsUserId: 1, status: 1 });
CompletionEventSchema.index({ tenantId: 1, userId: 1, receivedAt: -1 });

/** PD staff's explicit link from a platform course to a catalog activity (overrides the activity's lmsCourseId). */
const CompletionMappingSchema = new Schema(
  {
    system: { type: String, default: 'lms' },
    courseId: { type: String, required: true },
    courseTitle: { type: String, default: '' },
    activityId: { type: Schema.Types.ObjectId, required: true },
    createdBy: { userId: Schema.Types.ObjectId, name: String },
  },
  { timestamps: true },
);
CompletionMappingSchema.plugin(tenantScoped);
CompletionMappingSchema.index({ tenantId: 1, system: 1, courseId: 1 }, { unique: true });

const WatermarkSchema = new Schema(
  {
    courseId: { type: String, required: true },
    /** Latest completion time already recorded for this course. */
    through: Date,
    polledAt: Date,
  },
  { _id: false },
);

/** One configured source per tenant and kind: settings, sealed secrets and how its syncing goes. */
const CompletionSourceSchema = new Schema(
  {
    kind: { type: String, enum: SOURCE_KINDS, required: true },
    enabled: { type: Boolean, default: false },
    /** Canvas Live Events: the keyset its signed deliveries are checked against. */
    jwksUrl: String,
    /** Canvas Live Events: also accept unsigned JSON (only the secret URL token then authenticates); off until PD staff turn it on. */
    acceptUnsigned: { type: Boolean, default: false },
    /** Pollers: the LMS's web address (Canvas instance, Moodle wwwroot). */
    baseUrl: String,
    pollMinutes: { type: Number, default: 15, min: 1, max: 1440 },
    /** AES-256-GCM sealed: the Canvas admin API token or the Moodle web-service token. */
    sealedApiToken: String,
    /** Webhooks: SHA-256 of the secret token in the delivery URL (the token is shown once). */
    hookTokenHash: String,
    /** Generic webhook: sealed HMAC key. */
    sealedSigningSecret: String,
    secretsIssuedAt: Date,
    stats: {
      received: { type: Number, default: 0 },
      duplicates: { type: Number, default: 0 },
      rejected: { type: Number, default: 0 },
    },
    lastSyncAt: Date,
    lastRun: { at: Date, received: Number, duplicates: Number, ok: Boolean },
    lastError: { at: Date, message: String },
    /** Pollers: when each course was last polled and the completions already recorded. */
    watermarks: { type: [WatermarkSchema], default: [] },
  },
  { timestamps: true },
);
CompletionSourceSchema.plugin(tenantScoped);
CompletionSourceSchema.index({ tenantId: 1, kind: 1 }, { unique: true });

export const IMPORT_STATUSES = ['previewed', 'running', 'finished'] as const;

/** A valid CSV file waiting for confirmation, then imported row by row by a resumable job. */
const CompletionImportSchema = new Schema(
  {
    fileName: { type: String, default: '' },
    status: { type: String, enum: IMPORT_STATUSES, default: 'previewed' },
    rows: { type: [Schema.Types.Mixed], default: [] },
    total: { type: Number, required: true },
    done: { type: Number, default: 0 },
    received: { type: Number, default: 0 },
    duplicates: { type: Number, default: 0 },
    createdBy: { userId: Schema.Types.ObjectId, name: String },
    leaseOwner: String,
    leaseUntil: Date,
    startedAt: Date,
    finishedAt: Date,
  },
  { timestamps: true },
);
CompletionImportSchema.plugin(tenantScoped);
CompletionImportSchema.index({ tenantId: 1, status: 1 });

export type CompletionEventDoc = Scoped<InferSchemaType<typeof CompletionEventSchema>>;
export type CompletionMappingDoc = Scoped<InferSchemaType<typeof CompletionMappingSchema>>;
export type CompletionSourceDoc = Scoped<InferSchemaType<typeof CompletionSourceSchema>>;
export type CompletionImportDoc = Scoped<InferSchemaType<typeof CompletionImportSchema>>;

export const CompletionEvent = model('CompletionEvent', CompletionEventSchema, 'completionEvents');
export const CompletionMapping = model('CompletionMapping', CompletionMappingSchema, 'completionMappings');
export const CompletionSource = model('CompletionSource', CompletionSourceSchema, 'completionSources');
export const CompletionImport = model('CompletionImport', CompletionImportSchema, 'completionImports');
