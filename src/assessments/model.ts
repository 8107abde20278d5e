import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

const SelfRatingSchema = new Schema(
  {
    competency: { type: String, required: true },
    level: { type: Number, required: true, min: 1, max: 4 },
    /** The level the teacher aims for; Proficient (3) when unset. */
    target: { type: Number, min: 1, max: 4 },
  },
  { _id: false },
);

/**
 * One dated needs assessment. Every save adds a new one: the latest is current, earlier ones stay
 * for pre/post growth. Notes are private to the teacher and their coaches.
 */
const AssessmentSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  frameworkId: { type: Schema.Types.ObjectId, required: true },
  ratings: { type: [SelfRatingSchema], default: [] },
  interests: { type: [String], default: [] },
  formats: {
    modes: { type: [String], default: [] },
    timings: { type: [String], default: [] },
  },
  hoursPerMonth: { type: Number, required: true, min: 0 },
  notes: { type: String, default: '' },
  takenAt: { type: Date, default: () => new Date() },
});
AssessmentSchema.plugin(tenantScoped);
AssessmentSchema.index({ tenantId: 1, userId: 1, takenAt: -1 });

const CoachRatingSchema = new Schema(
  {
    competency: { type: String, required: true },
    level: { type: Number, required: true, min: 1, max: 4 },
    note: { type: String, default: '' },
  },
  { _id: false },
);

/** A coach's classroom observation of a teacher on the framework's scale; notes are private to the two. */
const ObservationSchema = new Schema(
  {
    teacherId: { type: Schema.Types.ObjectId, required: true },
    coachId: { type: Schema.Types.ObjectId, required: true },
    ratings: { type: [CoachRatingSchema], default: [] },
    notes: { type: String, default: '' },
    observedOn: { type: Date, required: true },
  },
  { timestamps: true },
);
ObservationSchema.plugin(tenantScoped);
ObservationSchema.index({ tenantId: 1, teacherId: 1, observedOn: -1, createdAt: -1 });

export type AssessmentDoc = Scoped<InferSchemaType<typeof AssessmentSchema>>;
export type ObservationDoc = Scoped<InferSchemaType<typeof ObservationSchema>>;
export const Assessment = model('Assessment', AssessmentSchema);
export const Observation = model('Observation', ObservationSchema);
