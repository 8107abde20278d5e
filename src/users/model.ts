import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const GRANTS = ['coach', 'approver', 'facilitator', 'pdStaff'] as const;
export type Grant = (typeof GRANTS)[number];

/** LMS-native identifiers, so completions from APIs and events can be matched to a person. */
const AliasesSchema = new Schema(
  {
    canvasId: String,
    moodleId: String,
    email: { type: String, lowercase: true, trim: true },
    sourcedId: String,
  },
  { _id: false },
);

const UserSchema = new Schema(
  {
    /** LTI subject; absent while a user created from a roster or CSV has not launched yet. */
    sub: { type: String },
    status: { type: String, enum: ['active', 'pending'], default: 'active' },
    name: { type: String, default: '' },
    givenName: String,
    familyName: String,
    aliases: { type: AliasesSchema, default: () => ({}) },
    /** Role URIs from the latest launch. */
    launchRoles: { type: [String], default: [] },
    grants: { type: [String], enum: GRANTS, default: [] },
    coachIds: { type: [Schema.Types.ObjectId], default: [] },
    /** LTI context ids of the courses this person launched from (grade-back goes to their line items). */
    contextIds: { type: [String], default: [] },
    lastLaunchAt: Date,
  },
  { timestamps: true },
);
UserSchema.plugin(tenantScoped);
UserSchema.index({ tenantId: 1, sub: 1 }, { unique: true, partialFilterExpression: { sub: { $type: 'string' } } });
UserSchema.index({ tenantId: 1, 'aliases.canvasId': 1 });
UserSchema.index({ tenantId: 1, 'aliases.moodleId': 1 });
UserSchema.index({ tenantId: 1, 'aliases.email': 1 });
UserSchema.index({ tenantId: 1, 'aliases.sourcedId': 1 });
UserSchema.index({ tenantId: 1, contextIds: 1 });

export type UserDoc = Scoped<InferSchemaType<typeof UserSchema>>;
export const User = model('User', UserSchema);
