import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const GROUP_KINDS = ['school', 'team', 'cohort'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

/** A school, team or cohort PD staff manage: pathways are assigned to it and reports are cut by it. */
const GroupSchema = new Schema(
  {
    name: { type: String, required: true },
    /** Lower-cased name: names are unique in the tenant regardless of case. */
    nameKey: { type: String, required: true },
    kind: { type: String, enum: GROUP_KINDS, required: true },
    description: { type: String, default: '' },
    memberIds: { type: [Schema.Types.ObjectId], default: [] },
  },
  { timestamps: true },
);
GroupSchema.plugin(tenantScoped);
GroupSchema.index({ tenantId: 1, nameKey: 1 }, { unique: true });
GroupSchema.index({ tenantId: 1, memberIds: 1 });

export type GroupDoc = Scoped<InferSchemaType<typeof GroupSchema>>;
export const Group = model('Group', GroupSchema);
