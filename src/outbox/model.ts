import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const OUTBOX_KINDS = ['ags-lineitem', 'ags-score', 'badge-issue', 'email'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/**
 * pending → leased → done | not-applicable (the platform can never take it) | dead (gave up, retry by hand);
 * superseded when a newer message with the same key replaced it before delivery.
 */
export const OUTBOX_STATUSES = ['pending', 'leased', 'done', 'not-applicable', 'superseded', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** One piece of outbound work (a score, a line item, a badge to issue), delivered at least once by leased workers. */
const OutboxMessageSchema = new Schema(
  {
    kind: { type: String, enum: OUTBOX_KINDS, required: true },
    /** Idempotency key: at most one pending message per key. */
    key: { type: String, required: true },
    /** Orders messages of one key: a pending message is replaced only by a higher version. */
    version: { type: Number, default: 0 },
    payload: { type: Schema.Types.Mixed, default: {} },
    /** Short human label for the outbox page, e.g. "Score 60% for Maya Patel in PD-101". */
    label: { type: String, default: '' },
    status: { type: String, enum: OUTBOX_STATUSES, default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: Date,
    leaseOwner: String,
    lastError: String,
    /** True while the last look found the platform not ready yet (see Delivery 'waiting'); `waits` counts them. */
    waiting: Boolean,
    waits: { type: Number, default: 0 },
    /** Why it is not applicable, or why it was dead-lettered. */
    outcome: String,
    finishedAt: Date,
    /** Finished messages are kept for a while for the outbox page, then expire (TTL index). */
    expireAt: Date,
  },
  { timestamps: true },
);
OutboxMessageSchema.plugin(tenantScoped);
OutboxMessageSchema.index({ tenantId: 1, key: 1 }, { unique: true, partialFilterExpression: { status: 'pending' }, name: 'one_pending_per_key' });
OutboxMessageSchema.index({ tenantId: 1, status: 1, nextAttemptAt: 1 });
OutboxMessageSchema.index({ tenantId: 1, status: 1, leaseUntil: 1 });
OutboxMessageSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

export type OutboxMessageDoc = Scoped<InferSchemaType<typeof OutboxMessageSchema>>;
export const OutboxMessage = model('OutboxMessage', OutboxMessageSchema, 'outbox');
