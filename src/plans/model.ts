import { InferSchemaType, Schema, Types, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const PLAN_STATUSES = ['draft', 'submitted', 'returned', 'active', 'in-review', 'completed', 'closed'] as const;
export const ACTIVITY_PROGRESS = ['not-started', 'in-progress', 'awaiting-verification', 'done'] as const;
export const COMPLETION_SOURCES = ['manual', 'evidence', 'lms', 'csv', 'webhook', 'attendance'] as const;
export const GOAL_ORIGINS = ['teacher', 'pathway', 'carried'] as const;
export const RULE_KINDS = ['all', 'n-of-m', 'hours'] as const;
export const COACHING_STEPS = ['plan', 'observe', 'debrief'] as const;

/** A certificate or other proof: a file kept in GridFS (bucket "evidence") or a link. */
const EvidenceSchema = new Schema({
  kind: { type: String, enum: ['file', 'link'], required: true },
  fileId: { type: Schema.Types.ObjectId },
  filename: String,
  contentType: String,
  size: Number,
  url: String,
  note: { type: String, default: '' },
  isCertificate: { type: Boolean, default: false },
  status: { type: String, enum: ['submitted', 'verified', 'rejected'], default: 'submitted' },
  decidedBy: { type: Schema.Types.ObjectId },
  decidedByName: String,
  decidedAt: Date,
  rejectionReason: String,
  addedAt: { type: Date, default: () => new Date() },
});

/** "What did I learn? How will it change my practice?" — private to teacher and coach unless shared. */
const ReflectionSchema = new Schema({
  /** The plan activity it is about; absent for a reflection on the whole goal. */
  planActivityId: { type: Schema.Types.ObjectId },
  learned: { type: String, required: true },
  practice: { type: String, required: true },
  impact: { type: String, default: '' },
  /** Shared with PD staff by the teacher; private (teacher and coach) otherwise. */
  shared: { type: Boolean, default: false },
  at: { type: Date, default: () => new Date() },
});

/** One message in a goal's coaching thread. */
const FeedbackSchema = new Schema({
  authorId: { type: Schema.Types.ObjectId, required: true },
  authorName: { type: String, default: '' },
  authorRole: { type: String, enum: ['coach', 'teacher'], required: true },
  text: { type: String, required: true },
  at: { type: Date, default: () => new Date() },
});

/** An activity planned under a goal: a catalog activity (snapshot of its facts) or a custom one. */
const PlanActivitySchema = new Schema({
  activityId: { type: Schema.Types.ObjectId },
  title: { type: String, required: true },
  kind: { type: String, default: 'custom' },
  hours: { type: Number, default: 0, min: 0 },
  cost: { type: Number, default: 0, min: 0 },
  certificateRequired: { type: Boolean, default: false },
  plannedStart: Date,
  plannedEnd: Date,
  required: { type: Boolean, default: true },
  status: { type: String, enum: ACTIVITY_PROGRESS, default: 'not-started' },
  /** Where the completion came from; set once with completedAt (first completion wins). */
  source: { type: String, enum: COMPLETION_SOURCES },
  completedAt: Date,
  completionEventId: { type: Schema.Types.ObjectId },
  /** Hours the completing source reported, when it differs from the planned hours (hours rules count these). */
  completedHours: { type: Number, min: 0 },
  /** Coaching cycles: when the coach ticked each step (plan → observe → debrief). */
  steps: { plan: Date, observe: Date, debrief: Date },
  evidence: { type: [EvidenceSchema], default: [] },
});

const RuleSchema = new Schema(
  {
    kind: { type: String, enum: RULE_KINDS, default: 'all' },
    n: { type: Number, min: 1 },
    hours: { type: Number, min: 0 },
  },
  { _id: false },
);

const OriginSchema = new Schema(
  {
    kind: { type: String, enum: GOAL_ORIGINS, default: 'teacher' },
    assignmentKey: String,
    pathway: { id: Schema.Types.ObjectId, version: Number, title: String },
    dueAt: Date,
    /** For carried goals: the goal in the previous plan. */
    fromGoalId: { type: Schema.Types.ObjectId },
  },
  { _id: false },
);

/** A SMART goal with its activities, progress rule, reflections and coaching thread. */
const GoalSchema = new Schema({
  statement: { type: String, required: true },
  competency: { type: String, default: '' },
  targetLevel: { type: Number, min: 1, max: 4 },
  measure: { type: String, default: '' },
  targetDate: Date,
  rule: { type: RuleSchema, default: () => ({ kind: 'all' }) },
  origin: { type: OriginSchema, default: () => ({ kind: 'teacher' }) },
  groupGoalId: { type: Schema.Types.ObjectId },
  achievementId: { type: Schema.Types.ObjectId },
  activities: { type: [PlanActivitySchema], default: [] },
  status: { type: String, enum: ['open', 'completed'], default: 'open' },
  progress: { type: Number, default: 0 },
  completedAt: Date,
  /** Set once goal.completed was delivered to every listener; unset means it must be (re)announced. */
  announcedAt: Date,
  reflections: { type: [ReflectionSchema], default: [] },
  feedback: { type: [FeedbackSchema], default: [] },
});

export const DECISIONS = ['submitted', 'approved', 'returned', 'change-submitted', 'change-approved', 'change-returned'] as const;
const DecisionSchema = new Schema(
  {
    by: { type: Schema.Types.ObjectId, required: true },
    byName: { type: String, default: '' },
    decision: { type: String, enum: DECISIONS, required: true },
    comment: { type: String, default: '' },
    /** An approval over the district's caps: the approver's written reason and the caps it exceeds. */
    exception: { reason: String, over: { type: [String], default: undefined } },
    at: { type: Date, default: () => new Date() },
  },
);

export const CHANGE_KINDS = ['add-goal', 'remove-goal', 'add-activity', 'remove-activity'] as const;
/** One proposed change to an approved plan: a goal or activity to add (held here) or to remove (by id). */
const ChangeSchema = new Schema({
  kind: { type: String, enum: CHANGE_KINDS, required: true },
  /** The goal concerned; for add-goal the new goal's own id. */
  goalId: { type: Schema.Types.ObjectId, required: true },
  planActivityId: { type: Schema.Types.ObjectId },
  goal: { type: GoalSchema },
  activity: { type: PlanActivitySchema },
  /** The goal statement or activity title at the time, for the list of changes. */
  title: { type: String, default: '' },
  by: { type: Schema.Types.ObjectId },
  byName: { type: String, default: '' },
  at: { type: Date, default: () => new Date() },
});

/**
 * Changes proposed to an approved plan. They live beside the approved goals, which stay in force
 * (progress, grade-back, completion sync) until an approver approves them; each step is one
 * conditional update of the plan document.
 */
const ProposalSchema = new Schema(
  {
    status: { type: String, enum: ['open', 'submitted'], default: 'open' },
    changes: { type: [ChangeSchema], default: [] },
    submittedAt: Date,
  },
  { _id: false },
);

/** The annual (12-month) or end-of-period review: a reflection and a self re-rating per goal. */
const ReviewSchema = new Schema({
  kind: { type: String, enum: ['annual', 'final'], required: true },
  goals: {
    type: [
      new Schema(
        {
          goalId: { type: Schema.Types.ObjectId, required: true },
          competency: { type: String, default: '' },
          reflection: { type: String, required: true },
          /** Self re-rating (1..4) of the goal's competency: the "post" growth reports compare with the assessment. */
          selfLevel: { type: Number, min: 1, max: 4 },
        },
        { _id: false },
      ),
    ],
    default: [],
  },
  summary: { type: String, default: '' },
  completedAt: { type: Date, default: () => new Date() },
});

const PlanSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: PLAN_STATUSES, default: 'draft' },
    /** True while not completed/closed; the partial unique index keeps one current plan per teacher. */
    current: { type: Boolean, default: true },
    periodStart: { type: Date, required: true },
    periodEnd: { type: Date, required: true },
    /** The tenant's caps when the plan was started (re-read at submit and approval). */
    caps: {
      planMonths: Number,
      maxCostPerYear: Number,
      maxHoursPerYear: Number,
      minHoursPerYear: Number,
    },
    commitment: { agreed: { type: Boolean, default: false }, text: { type: String, default: '' }, at: Date },
    goals: { type: [GoalSchema], default: [] },
    approvals: { type: [DecisionSchema], default: [] },
    change: { type: ProposalSchema, default: () => ({ status: 'open', changes: [] }) },
    reviews: { type: [ReviewSchema], default: [] },
    progress: { type: Number, default: 0 },
    previousPlanId: { type: Schema.Types.ObjectId },
    submittedAt: Date,
    approvedAt: Date,
    endedAt: Date,
    /** Optimistic concurrency: every write is conditional on the rev it read. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
PlanSchema.plugin(tenantScoped);
/**
 * Until the embedded database's fix (README, Changelog) a PD-staff console view could strip goals'
 * reflections and feedback from stored plans. Every read, lean ones included, gives such goals empty
 * lists so their pages render; the next write of the plan stores the repaired goals.
 */
function healGoals(result: unknown): void {
  for (const plan of Array.isArray(result) ? result : [result]) {
    const goals = (plan as { goals?: unknown } | null)?.goals;
    if (!Array.isArray(goals)) continue;
    for (const g of goals as Record<string, unknown>[]) {
      if (g && !Array.isArray(g.reflections)) g.reflections = [];
      if (g && !Array.isArray(g.feedback)) g.feedback = [];
    }
  }
}
PlanSchema.post(['find', 'findOne', 'findOneAndUpdate'], healGoals);
/** A plan as approvers and reports read it: without the teacher's reflections and the coaching feedback. */
export const WITHOUT_REFLECTIONS_OR_FEEDBACK = { 'goals.reflections': 0, 'goals.feedback': 0 } as const;

/** What a queue of plans submitted for approval shows: who and when, how many goals, each activity's hours and cost. */
export const SUBMITTED_PLAN_FIELDS = { tenantId: 1, userId: 1, status: 1, submittedAt: 1, periodStart: 1, periodEnd: 1, 'goals._id': 1, 'goals.activities.hours': 1, 'goals.activities.cost': 1 } as const;
export type SubmittedPlan = Pick<PlanDoc, '_id' | 'tenantId' | 'userId' | 'status' | 'submittedAt' | 'periodStart' | 'periodEnd'> & { goals: { _id: Types.ObjectId; activities: Pick<PlanActivityDoc, 'hours' | 'cost'>[] }[] };

/** What the queue of evidence to verify shows: whose plan, and each submitted piece's goal, activity, kind and date. */
export const EVIDENCE_QUEUE_FIELDS = { tenantId: 1, userId: 1, status: 1, 'goals._id': 1, 'goals.activities._id': 1, 'goals.activities.title': 1, 'goals.activities.evidence.status': 1, 'goals.activities.evidence.isCertificate': 1, 'goals.activities.evidence.addedAt': 1 } as const;
type QueuedEvidence = Pick<EvidenceDoc, 'status' | 'isCertificate' | 'addedAt'>;
export type PlanWithEvidence = Pick<PlanDoc, '_id' | 'tenantId' | 'userId' | 'status'> & { goals: { _id: Types.ObjectId; activities: (Pick<PlanActivityDoc, '_id' | 'title'> & { evidence: QueuedEvidence[] })[] }[] };

PlanSchema.index({ tenantId: 1, userId: 1 }, { unique: true, partialFilterExpression: { current: true }, name: 'one_current_plan' });
PlanSchema.index({ tenantId: 1, status: 1, submittedAt: 1 });
PlanSchema.index({ tenantId: 1, 'goals.groupGoalId': 1 });
PlanSchema.index({ tenantId: 1, userId: 1, 'goals.origin.assignmentKey': 1 });
// PD-staff reports and queues: current plans by status (plan heads, reviews due, approval queue), evidence to verify.
PlanSchema.index({ tenantId: 1, current: 1, status: 1 });
PlanSchema.index({ tenantId: 1, 'goals.activities.evidence.status': 1 });
// Proposed changes waiting: every field of the queue's filter, so no planner prefers walking all running plans.
PlanSchema.index({ tenantId: 1, 'change.status': 1, current: 1, status: 1 });

/** A PLC/team goal: shared by a group of colleagues, each tracking it in their own plan. */
const GroupGoalSchema = new Schema(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    ownerName: { type: String, default: '' },
    statement: { type: String, required: true },
    competency: { type: String, default: '' },
    targetLevel: { type: Number, min: 1, max: 4 },
    measure: { type: String, default: '' },
    targetDate: Date,
    /** Everyone the goal was shared with (the owner included). */
    invitedIds: { type: [Schema.Types.ObjectId], default: [] },
    memberIds: { type: [Schema.Types.ObjectId], default: [] },
  },
  { timestamps: true },
);
GroupGoalSchema.plugin(tenantScoped);
GroupGoalSchema.index({ tenantId: 1, invitedIds: 1 });

/** A lean document: subdocument arrays as plain arrays whose items carry their _id. */
type Lean<T> = T extends Types.DocumentArray<infer U>
  ? (Lean<U> & { _id: Types.ObjectId })[]
  : T extends Types.ObjectId | Date
    ? T
    : T extends (infer E)[]
      ? Lean<E>[]
      : T extends object
        ? { [K in keyof T]: Lean<T[K]> }
        : T;

export type PlanDoc = Scoped<Lean<InferSchemaType<typeof PlanSchema>>>;
export type GoalDoc = PlanDoc['goals'][number];
export type PlanActivityDoc = GoalDoc['activities'][number];
export type EvidenceDoc = PlanActivityDoc['evidence'][number];
export type ReflectionDoc = GoalDoc['reflections'][number];
export type ChangeDoc = NonNullable<PlanDoc['change']>['changes'][number];
export type GroupGoalDoc = Scoped<Lean<InferSchemaType<typeof GroupGoalSchema>>>;
export const Plan = model('Plan', PlanSchema);
export const GroupGoal = model('GroupGoal', GroupGoalSchema);
