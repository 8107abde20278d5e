import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';
import { MEASURES, QUESTION_KINDS } from './rules';

export const FORM_USES = ['district', 'own', 'none'] as const;

const QuestionSchema = new Schema(
  {
    key: { type: String, required: true },
    kind: { type: String, enum: QUESTION_KINDS, required: true },
    prompt: { type: String, required: true },
    options: { type: [String], default: [] },
    required: { type: Boolean, default: false },
    measure: { type: String, enum: MEASURES, default: '' },
  },
  { _id: false },
);

/**
 * One version of an evaluation form: the district default (scopeKey "district") or an activity's own
 * ("activity:<id>"). The current form is the highest version. Once answered (set by the first response,
 * conditionally) a version is never changed: an edit becomes the next version, so results stay whole.
 */
const EvaluationFormSchema = new Schema(
  {
    scopeKey: { type: String, required: true },
    activityId: Schema.Types.ObjectId,
    version: { type: Number, required: true, min: 1 },
    title: { type: String, required: true },
    intro: { type: String, default: '' },
    questions: { type: [QuestionSchema], default: [] },
    answered: { type: Boolean, default: false },
    createdBy: Schema.Types.ObjectId,
  },
  { timestamps: true },
);
EvaluationFormSchema.plugin(tenantScoped);
EvaluationFormSchema.index({ tenantId: 1, scopeKey: 1, version: 1 }, { unique: true });

/** How a catalog activity is evaluated: the district form, its own, or none; and whether credit waits for it. */
const ActivityEvaluationSchema = new Schema(
  {
    activityId: { type: Schema.Types.ObjectId, required: true },
    use: { type: String, enum: FORM_USES, default: 'district' },
    requiredForCredit: { type: Boolean, default: false },
  },
  { timestamps: true },
);
ActivityEvaluationSchema.plugin(tenantScoped);
ActivityEvaluationSchema.index({ tenantId: 1, activityId: 1 }, { unique: true });

/** Who sees names next to answers: one per tenant. */
const EvaluationSettingsSchema = new Schema(
  {
    key: { type: String, default: 'district' },
    anonymousToFacilitators: { type: Boolean, default: true },
    anonymousToStaff: { type: Boolean, default: false },
  },
  { timestamps: true },
);
EvaluationSettingsSchema.plugin(tenantScoped);
EvaluationSettingsSchema.index({ tenantId: 1, key: 1 }, { unique: true });

const AnswerSchema = new Schema(
  {
    key: { type: String, required: true },
    rating: Number,
    choices: { type: [String], default: undefined },
    text: String,
  },
  { _id: false },
);

/** One person's evaluation of one session they attended: once (unique per session and person). */
const EvaluationResponseSchema = new Schema({
  sessionId: { type: Schema.Types.ObjectId, required: true },
  activityId: { type: Schema.Types.ObjectId, required: true },
  formId: { type: Schema.Types.ObjectId, required: true },
  formVersion: { type: Number, required: true },
  userId: { type: Schema.Types.ObjectId, required: true },
  answers: { type: [AnswerSchema], default: [] },
  submittedAt: { type: Date, default: () => new Date() },
});
EvaluationResponseSchema.plugin(tenantScoped);
EvaluationResponseSchema.index({ tenantId: 1, sessionId: 1, userId: 1 }, { unique: true });
EvaluationResponseSchema.index({ tenantId: 1, activityId: 1, submittedAt: 1 });
EvaluationResponseSchema.index({ tenantId: 1, userId: 1 });

export type EvaluationFormDoc = Scoped<InferSchemaType<typeof EvaluationFormSchema>>;
export type ActivityEvaluationDoc = Scoped<InferSchemaType<typeof ActivityEvaluationSchema>>;
export type EvaluationSettingsDoc = Scoped<InferSchemaType<typeof EvaluationSettingsSchema>>;
export type EvaluationResponseDoc = Scoped<InferSchemaType<typeof EvaluationResponseSchema>>;
export const EvaluationForm = model('EvaluationForm', EvaluationFormSchema);
export const ActivityEvaluation = model('ActivityEvaluation', ActivityEvaluationSchema);
export const EvaluationSettings = model('EvaluationSettings', EvaluationSettingsSchema);
export const EvaluationResponse = model('EvaluationResponse', EvaluationResponseSchema);
