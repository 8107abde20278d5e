import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** What a placed link opens: the teacher's plan, a pathway, their goal in a competency, the badge wall or one badge. */
export const PLACEMENT_KINDS = ['plan', 'pathway', 'goal', 'badges', 'badge'] as const;
export type PlacementKind = (typeof PLACEMENT_KINDS)[number];

/** A link an instructor placed in an LMS course through deep linking, and the gradebook column it may own. */
const PlacementSchema = new Schema(
  {
    contextId: { type: String, required: true },
    kind: { type: String, enum: PLACEMENT_KINDS, required: true },
    /** What it points at: a pathway id, a competency code, an achievement id; empty for the plan and badge wall. */
    ref: { type: String, default: '' },
    title: { type: String, required: true },
    /** The page the link opens (the `pdp_target` custom parameter). */
    target: { type: String, required: true },
    resourceId: { type: String, required: true },
    tag: { type: String, required: true },
    /** Set when the placement asked for a gradebook column. */
    lineItem: { label: String, scoreMaximum: Number },
    /** The column's URL on the platform, once found (or created) by resourceId and tag. */
    lineItemUrl: String,
    /**
     * Who creates the column: the platform, from the line item declared in the deep-linking response (Canvas at
     * once, Moodle when the teacher saves the activity form), or PD Pathways when the platform takes no line items.
     */
    columnBy: { type: String, enum: ['platform', 'tool'], default: 'platform' },
    /** Set while grade-back waits for the platform to create the column. */
    columnWaitingSince: Date,
    /** The platform's resource link ids this placement was launched through (how a copied link names its origin). */
    resourceLinkIds: { type: [String], default: [] },
    /** Set when a course copy brought the link here: the placement it was copied from. */
    copiedFrom: { placementId: Schema.Types.ObjectId, contextId: String },
    placedBy: { type: Schema.Types.ObjectId },
    placedByName: { type: String, default: '' },
    lastPlacedAt: { type: Date, default: () => new Date() },
  },
  { timestamps: true },
);
PlacementSchema.plugin(tenantScoped);
PlacementSchema.index({ tenantId: 1, contextId: 1, resourceId: 1 }, { unique: true });
PlacementSchema.index({ tenantId: 1, kind: 1, ref: 1 });
PlacementSchema.index({ tenantId: 1, resourceLinkIds: 1 });

/** The latest score queued for one person in one placement's column, and how its delivery went. */
const GradeBackSchema = new Schema(
  {
    placementId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    scoreGiven: { type: Number, required: true },
    activityProgress: { type: String, required: true },
    /** AGS timestamps must increase per user and line item (Moodle compares whole seconds). */
    timestamp: { type: Date, required: true },
    status: { type: String, enum: ['queued', 'posted', 'not-applicable'], default: 'queued' },
    note: { type: String, default: '' },
    /** Optimistic concurrency for the timestamp sequence. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
GradeBackSchema.plugin(tenantScoped);
GradeBackSchema.index({ tenantId: 1, placementId: 1, userId: 1 }, { unique: true });

export type PlacementDoc = Scoped<InferSchemaType<typeof PlacementSchema>>;
export type GradeBackDoc = Scoped<InferSchemaType<typeof GradeBackSchema>>;
export const Placement = model('Placement', PlacementSchema);
export const GradeBack = model('GradeBack', GradeBackSchema);
