import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** draft → published (current) → superseded by the next published version, or archived (no new assignments). */
export const PATHWAY_STATUSES = ['draft', 'published', 'superseded', 'archived'] as const;
export const RULE_KINDS = ['all', 'n-of-m', 'hours'] as const;
export const TARGET_KINDS = ['people', 'group', 'course', 'csv', 'self'] as const;
export const BATCH_STATUSES = ['previewed', 'running', 'finished'] as const;

const StepSchema = new Schema(
  {
    activityId: { type: Schema.Types.ObjectId, required: true },
    /** Electives (false) count only toward an "any N" or hours rule. */
    required: { type: Boolean, default: true },
  },
  { _id: false },
);

/** When a pathway is complete: every required step, any N of its steps, or N hours of them. */
const RuleSchema = new Schema(
  {
    kind: { type: String, enum: RULE_KINDS, default: 'all' },
    n: { type: Number, min: 1 },
    hours: { type: Number, min: 0 },
  },
  { _id: false },
);

const ByWhomSchema = new Schema({ userId: Schema.Types.ObjectId, name: String }, { _id: false });

/** One version of a curated, ordered sequence of catalog activities; versions share a slug. */
const PathwaySchema = new Schema(
  {
    slug: { type: String, required: true },
    version: { type: Number, required: true, min: 1 },
    status: { type: String, enum: PATHWAY_STATUSES, default: 'draft' },
    title: { type: String, required: true },
    summary: { type: String, default: '' },
    /** Competency codes of the framework the pathway builds. */
    competencies: { type: [String], default: [] },
    targetLevel: { type: Number, min: 1, max: 4 },
    steps: { type: [StepSchema], default: [] },
    rule: { type: RuleSchema, default: () => ({ kind: 'all' }) },
    /** The badge earned on completion (credentials feature). */
    achievementId: { type: Schema.Types.ObjectId },
    /** Teachers may add it to their own plan from the pathway page. */
    selfEnrol: { type: Boolean, default: false },
    /** Sum of the steps' catalog hours and cost when the version was last saved. */
    estimatedHours: { type: Number, default: 0 },
    estimatedCost: { type: Number, default: 0 },
    createdBy: ByWhomSchema,
    publishedAt: Date,
    publishedBy: ByWhomSchema,
  },
  { timestamps: true },
);
PathwaySchema.plugin(tenantScoped);
PathwaySchema.index({ tenantId: 1, slug: 1, version: 1 }, { unique: true });
// At most one draft per pathway: "edit" on a published version opens it, however many click at once.
PathwaySchema.index({ tenantId: 1, slug: 1 }, { unique: true, partialFilterExpression: { status: 'draft' }, name: 'one_draft_per_pathway' });
PathwaySchema.index({ tenantId: 1, status: 1, title: 1 });

/** PD staff gave a pathway version to people: a list, a group, a course roster, a CSV file. */
const AssignmentSchema = new Schema(
  {
    pathwayId: { type: Schema.Types.ObjectId, required: true },
    slug: { type: String, required: true },
    version: { type: Number, required: true },
    title: { type: String, required: true },
    target: {
      kind: { type: String, enum: TARGET_KINDS, required: true },
      groupId: Schema.Types.ObjectId,
      contextId: String,
      role: String,
      /** What PD staff read: "Lincoln Elementary", "PD-101 learners", "fall-cohort.csv". */
      label: { type: String, default: '' },
    },
    dueAt: Date,
    createdBy: ByWhomSchema,
  },
  { timestamps: true },
);
AssignmentSchema.plugin(tenantScoped);
AssignmentSchema.index({ tenantId: 1, slug: 1, createdAt: -1 });

/** A person on a pathway: one per person and pathway, however many assignments reached them. */
const EnrolmentSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    slug: { type: String, required: true },
    pathwayId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    /** The plans goal's key; `${assignmentId}:${userId}`, or `self:${slug}:${userId}` for self-enrolment. */
    assignmentKey: { type: String, required: true },
    assignmentId: { type: Schema.Types.ObjectId },
    source: { type: String, enum: ['assigned', 'self'], required: true },
    dueAt: Date,
    planId: { type: Schema.Types.ObjectId },
    goalId: { type: Schema.Types.ObjectId },
    enrolledAt: { type: Date, default: () => new Date() },
    migratedAt: Date,
  },
  { timestamps: true },
);
EnrolmentSchema.plugin(tenantScoped);
EnrolmentSchema.index({ tenantId: 1, slug: 1, userId: 1 }, { unique: true });
EnrolmentSchema.index({ tenantId: 1, assignmentKey: 1 }, { unique: true });
EnrolmentSchema.index({ tenantId: 1, userId: 1, enrolledAt: -1 });
EnrolmentSchema.index({ tenantId: 1, slug: 1, version: 1 });
EnrolmentSchema.index({ tenantId: 1, enrolledAt: -1 });

const BatchRowSchema = new Schema(
  {
    /** Line in the uploaded file (CSV batches). */
    line: Number,
    userId: { type: Schema.Types.ObjectId },
    /** A person not known yet: created as pending when the batch is applied. */
    person: { name: String, email: String, sub: String, canvasId: String, moodleId: String, sourcedId: String },
    /** Why the new person's email looks mistyped (CSV batches). */
    warning: String,
    displayName: { type: String, default: '' },
    /** Index into the batch's planned assignments. */
    assignment: { type: Number, required: true },
    /** Known before applying: the person is on this pathway already. */
    alreadyEnrolled: { type: Boolean, default: false },
  },
  { _id: false },
);

/** An assignment waiting for confirmation or being applied, row by row, by a resumable job. */
const AssignmentBatchSchema = new Schema(
  {
    status: { type: String, enum: BATCH_STATUSES, default: 'previewed' },
    label: { type: String, default: '' },
    /** Assignments the batch creates, with ids chosen at preview so applying twice creates them once. */
    assignments: {
      type: [
        new Schema(
          {
            _id: { type: Schema.Types.ObjectId, required: true },
            pathwayId: { type: Schema.Types.ObjectId, required: true },
            dueAt: Date,
            target: { kind: String, groupId: Schema.Types.ObjectId, contextId: String, role: String, label: String },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    rows: { type: [BatchRowSchema], default: [] },
    total: { type: Number, required: true },
    done: { type: Number, default: 0 },
    enrolled: { type: Number, default: 0 },
    already: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    lastError: String,
    createdBy: ByWhomSchema,
    leaseOwner: String,
    leaseUntil: Date,
    startedAt: Date,
    finishedAt: Date,
  },
  { timestamps: true },
);
AssignmentBatchSchema.plugin(tenantScoped);
AssignmentBatchSchema.index({ tenantId: 1, status: 1, leaseUntil: 1 });

export type PathwayDoc = Scoped<InferSchemaType<typeof PathwaySchema>>;
export type AssignmentDoc = Scoped<InferSchemaType<typeof AssignmentSchema>>;
export type EnrolmentDoc = Scoped<InferSchemaType<typeof EnrolmentSchema>>;
export type AssignmentBatchDoc = Scoped<InferSchemaType<typeof AssignmentBatchSchema>>;
export const Pathway = model('Pathway', PathwaySchema);
export const Assignment = model('Assignment', AssignmentSchema);
export const Enrolment = model('Enrolment', EnrolmentSchema);
export const AssignmentBatch = model('AssignmentBatch', AssignmentBatchSchema, 'assignmentBatches');
