import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const ACTIVITY_KINDS = ['lms-course', 'workshop', 'coaching-cycle', 'plc', 'micro-credential', 'micro-learning', 'video-reflection', 'reading', 'conference'] as const;
export const FORMAT_MODES = ['online', 'in-person', 'blended'] as const;
export const FORMAT_TIMINGS = ['sync', 'async'] as const;
export const ACTIVITY_STATUSES = ['active', 'retired'] as const;

const FormatSchema = new Schema(
  {
    mode: { type: String, enum: FORMAT_MODES, required: true },
    timing: { type: String, enum: FORMAT_TIMINGS, required: true },
  },
  { _id: false },
);

const ScheduleSchema = new Schema(
  {
    selfPaced: { type: Boolean, default: false },
    startsOn: Date,
    endsOn: Date,
    /** Free text such as "Wednesdays 3:30–5 pm" or "Six weekly debriefs". */
    sessions: String,
  },
  { _id: false },
);

/** One thing a teacher can do to grow: a course, workshop, coaching cycle, reading... */
const ActivitySchema = new Schema(
  {
    kind: { type: String, enum: ACTIVITY_KINDS, required: true },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    provider: { type: String, default: '' },
    /** Competency codes of the tenant's framework this activity develops. */
    competencies: { type: [String], default: [] },
    /** The level (1..4) it builds toward; unset means it suits any level. */
    targetLevel: { type: Number, min: 1, max: 4 },
    hours: { type: Number, required: true, min: 0 },
    cost: { type: Number, required: true, min: 0 },
    format: { type: FormatSchema, required: true },
    schedule: { type: ScheduleSchema, default: () => ({}) },
    certificateRequired: { type: Boolean, default: false },
    /** The platform's own course id (Canvas/Moodle course id) when this is an LMS course. */
    lmsCourseId: String,
    /** The badge a micro-credential awards; set by the credentials feature. */
    achievementId: { type: Schema.Types.ObjectId },
    status: { type: String, enum: ACTIVITY_STATUSES, default: 'active' },
    /** Stable id of a sample-catalog entry, so seeding is idempotent. */
    sampleKey: String,
  },
  { timestamps: true },
);
ActivitySchema.plugin(tenantScoped);
ActivitySchema.index({ tenantId: 1, status: 1, title: 1 });
ActivitySchema.index({ tenantId: 1, competencies: 1 });
ActivitySchema.index({ tenantId: 1, lmsCourseId: 1 });
ActivitySchema.index({ tenantId: 1, sampleKey: 1 }, { unique: true, partialFilterExpression: { sampleKey: { $type: 'string' } } });

export type ActivityDoc = Scoped<InferSchemaType<typeof ActivitySchema>>;
export const Activity = model('Activity', ActivitySchema);
