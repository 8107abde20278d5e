import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/**
 * Completed PD credit kept as the district's record after the teacher deleted their data: what was
 * done, when, hours and cost, and who did it. Nothing private (no reflections, evidence or messages).
 */
const KeptCreditSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  personName: { type: String, default: '' },
  personEmail: { type: String },
  /** The plan activity it came from (plan id and activity), so a repeated deletion keeps it once. */
  key: { type: String, required: true },
  title: { type: String, required: true },
  kind: { type: String, default: 'custom' },
  hours: { type: Number, default: 0 },
  cost: { type: Number, default: 0 },
  completedAt: { type: Date, required: true },
  source: { type: String, default: 'manual' },
  keptAt: { type: Date, default: () => new Date() },
  /** The TTL monitor deletes it from this moment; absent: kept until PD staff delete it. */
  keepUntil: { type: Date },
});
KeptCreditSchema.plugin(tenantScoped);
KeptCreditSchema.index({ tenantId: 1, key: 1 }, { unique: true });
KeptCreditSchema.index({ tenantId: 1, userId: 1 });
KeptCreditSchema.index({ keepUntil: 1 }, { expireAfterSeconds: 0 });

export type KeptCreditDoc = Scoped<InferSchemaType<typeof KeptCreditSchema>>;
export const KeptCredit = model('KeptCredit', KeptCreditSchema);

/** A unit of credit the district records besides clock hours (CEUs, state renewal points, graduate credit). */
const CreditTypeSchema = new Schema({
  /** Stable key, derived from the name when it is created; awards and rules refer to it. */
  key: { type: String, required: true },
  name: { type: String, required: true },
  /** The conversion: clock hours per unit (10 for a CEU, 15 for a graduate credit, 1 for a renewal hour). */
  clockHoursPerUnit: { type: Number, required: true, min: 0.01 },
});
CreditTypeSchema.plugin(tenantScoped);
CreditTypeSchema.index({ tenantId: 1, key: 1 }, { unique: true });
export type CreditTypeDoc = Scoped<InferSchemaType<typeof CreditTypeSchema>>;
export const CreditType = model('CreditType', CreditTypeSchema);

const AwardSchema = new Schema({ typeKey: { type: String, required: true }, amount: { type: Number, min: 0 } }, { _id: false });

/** The credit types a catalog activity awards besides its clock hours; an amount fixes it, else it is converted. */
const ActivityCreditSchema = new Schema({
  activityId: { type: Schema.Types.ObjectId, required: true },
  awards: { type: [AwardSchema], default: [] },
  /** Paid to the teacher on completion (the stipend report for payroll). */
  stipend: { type: Number, default: 0, min: 0 },
});
ActivityCreditSchema.plugin(tenantScoped);
ActivityCreditSchema.index({ tenantId: 1, activityId: 1 }, { unique: true });
export type ActivityCreditDoc = Scoped<InferSchemaType<typeof ActivityCreditSchema>>;
export const ActivityCredit = model('ActivityCredit', ActivityCreditSchema);

/**
 * One completion on a teacher's transcript with the credit it earned, whatever recorded it (LMS sync,
 * attendance, verified certificate, CSV, approved outside PD). Written once per key: a replayed
 * completion never earns twice, and a later change to the activity's credit does not rewrite history.
 */
const CreditRecordSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  /** Plan and activity ("planId:activityId"), or "request:<id>" for approved outside PD. */
  key: { type: String, required: true },
  activityId: { type: Schema.Types.ObjectId },
  title: { type: String, required: true },
  provider: { type: String, default: '' },
  kind: { type: String, default: 'custom' },
  /** Competency codes and the activity kind: what renewal minimums count. */
  categories: { type: [String], default: [] },
  completedAt: { type: Date, required: true },
  source: { type: String, default: 'manual' },
  awards: { type: [AwardSchema], default: [] },
  stipend: { type: Number, default: 0 },
  /** Public verification id of this completion's certificate. */
  certificateId: { type: String, required: true },
  recordedAt: { type: Date, default: () => new Date() },
});
CreditRecordSchema.plugin(tenantScoped);
CreditRecordSchema.index({ tenantId: 1, key: 1 }, { unique: true });
CreditRecordSchema.index({ tenantId: 1, userId: 1, completedAt: 1 });
CreditRecordSchema.index({ tenantId: 1, completedAt: 1 });
CreditRecordSchema.index({ tenantId: 1, certificateId: 1 }, { unique: true });
export type CreditRecordDoc = Scoped<InferSchemaType<typeof CreditRecordSchema>>;
export const CreditRecord = model('CreditRecord', CreditRecordSchema);

const MinimumSchema = new Schema({ category: { type: String, required: true }, amount: { type: Number, required: true, min: 0 } }, { _id: false });

/** A licence-renewal rule of the district: e.g. 175 CTLE hours per 5-year registration period, at least 26.25 in ELL. */
const RenewalRuleSchema = new Schema({
  name: { type: String, required: true },
  years: { type: Number, required: true, min: 1, max: 20 },
  creditType: { type: String, required: true },
  required: { type: Number, required: true, min: 0 },
  minimums: { type: [MinimumSchema], default: [] },
});
RenewalRuleSchema.plugin(tenantScoped);
export type RenewalRuleDoc = Scoped<InferSchemaType<typeof RenewalRuleSchema>>;
export const RenewalRule = model('RenewalRule', RenewalRuleSchema);

/** A teacher's renewal cycle: which rule, and the date their first cycle started (imported or set by PD staff). */
const RenewalCycleSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  ruleId: { type: Schema.Types.ObjectId, required: true },
  startsOn: { type: Date, required: true },
  setBy: { type: String, default: '' },
  updatedAt: { type: Date, default: () => new Date() },
});
RenewalCycleSchema.plugin(tenantScoped);
RenewalCycleSchema.index({ tenantId: 1, userId: 1 }, { unique: true });
export type RenewalCycleDoc = Scoped<InferSchemaType<typeof RenewalCycleSchema>>;
export const RenewalCycle = model('RenewalCycle', RenewalCycleSchema);
