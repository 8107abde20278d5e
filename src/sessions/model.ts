import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const SESSION_STATUSES = ['scheduled', 'cancelled'] as const;
export const REGISTRATION_STATUSES = ['registered', 'awaiting-approval', 'waitlisted', 'cancelled', 'declined'] as const;
/** A person's place while it lasts: a seat, a seat held for the approver's decision, or a waitlist number. */
export const LIVE_STATUSES = ['registered', 'awaiting-approval', 'waitlisted'];
export const ATTENDANCE_METHODS = ['roster', 'code'] as const;

/**
 * One scheduled meeting of a catalog activity. Seats are a counter: a registration takes one with a
 * conditional update (`seatsLeft > 0`), so the last seat goes to exactly one person without transactions.
 */
const PdSessionSchema = new Schema(
  {
    activityId: { type: Schema.Types.ObjectId, required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    place: { type: String, default: '' },
    onlineUrl: { type: String, default: '' },
    facilitatorIds: { type: [Schema.Types.ObjectId], default: [] },
    seatLimit: { type: Number, required: true, min: 1 },
    seatsLeft: { type: Number, required: true, min: 0 },
    /** People on the waitlist now; new registrations queue behind them even when a seat is free. */
    waiting: { type: Number, default: 0, min: 0 },
    /** The last waitlist number handed out (numbers keep the order). */
    waitlistSeq: { type: Number, default: 0 },
    registrationOpensAt: Date,
    registrationClosesAt: Date,
    cancellationDeadline: Date,
    status: { type: String, enum: SESSION_STATUSES, default: 'scheduled' },
    /** Calendar revision (iCalendar SEQUENCE): raised on every change attendees should see. */
    sequence: { type: Number, default: 0 },
    /** What participants type (or scan) to sign themselves in during the session window. */
    signInCode: { type: String, required: true },
    /** A sample session of the demo, so seeding is idempotent. */
    sampleKey: String,
  },
  { timestamps: true },
);
PdSessionSchema.plugin(tenantScoped);
PdSessionSchema.index({ tenantId: 1, startsAt: 1 });
PdSessionSchema.index({ tenantId: 1, activityId: 1, startsAt: 1 });
PdSessionSchema.index({ tenantId: 1, facilitatorIds: 1, startsAt: 1 });
PdSessionSchema.index({ tenantId: 1, sampleKey: 1 }, { unique: true, partialFilterExpression: { sampleKey: { $type: 'string' } } });

const AttendanceSchema = new Schema(
  {
    hours: { type: Number, required: true, min: 0 },
    method: { type: String, enum: ATTENDANCE_METHODS, required: true },
    at: { type: Date, required: true },
    by: { type: Schema.Types.ObjectId },
  },
  { _id: false },
);

/** The approver's answer to a registration that needed approval. */
const DecisionSchema = new Schema(
  {
    decision: { type: String, enum: ['approved', 'declined'], required: true },
    by: { type: Schema.Types.ObjectId, required: true },
    byName: { type: String, default: '' },
    comment: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/**
 * A person's place in a session: a seat, a seat held while the approver decides, a waitlist number,
 * cancelled or declined; one per person and session.
 */
const RegistrationSchema = new Schema(
  {
    sessionId: { type: Schema.Types.ObjectId, required: true },
    activityId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: REGISTRATION_STATUSES, required: true },
    waitlistNumber: Number,
    /** The activity costs more than the district lets people register for unapproved: a seat becomes `awaiting-approval`. Cleared once approved. */
    needsApproval: Boolean,
    decision: DecisionSchema,
    /** The plan goal the activity was added to when they registered (or goes into once approved). */
    planId: Schema.Types.ObjectId,
    goalId: Schema.Types.ObjectId,
    registeredAt: { type: Date, default: () => new Date() },
    promotedAt: Date,
    cancelledAt: Date,
    attendance: AttendanceSchema,
    /** Raised on every change of this person's place (promotion, cancellation): their invite's SEQUENCE adds it to the session's. */
    revision: { type: Number, default: 0 },
    /** Set once, by the conditional update that hands the attendance to the completion ledger. */
    creditedAt: Date,
  },
  { timestamps: true },
);
RegistrationSchema.plugin(tenantScoped);
RegistrationSchema.index({ tenantId: 1, sessionId: 1, userId: 1 }, { unique: true });
RegistrationSchema.index({ tenantId: 1, sessionId: 1, status: 1, waitlistNumber: 1 });
RegistrationSchema.index({ tenantId: 1, userId: 1, status: 1 });
RegistrationSchema.index({ tenantId: 1, status: 1, registeredAt: 1 });

/** A person's calendar subscription: only the SHA-256 of its secret address is kept; revoking deletes it. */
const CalendarFeedSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  tokenHash: { type: String, required: true },
  createdAt: { type: Date, default: () => new Date() },
  lastReadAt: Date,
});
CalendarFeedSchema.plugin(tenantScoped);
CalendarFeedSchema.index({ tenantId: 1, userId: 1 }, { unique: true });
CalendarFeedSchema.index({ tenantId: 1, tokenHash: 1 }, { unique: true });

export type PdSessionDoc = Scoped<InferSchemaType<typeof PdSessionSchema>>;
export type RegistrationDoc = Scoped<InferSchemaType<typeof RegistrationSchema>>;
export const PdSession = model('PdSession', PdSessionSchema);
export const Registration = model('SessionRegistration', RegistrationSchema);
export type CalendarFeedDoc = Scoped<InferSchemaType<typeof CalendarFeedSchema>>;
export const CalendarFeed = model('CalendarFeed', CalendarFeedSchema);
