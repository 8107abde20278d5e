import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** Levels 1..4 of every competency, in order. */
export const LEVEL_NAMES = ['Beginning', 'Developing', 'Proficient', 'Leading'] as const;

const DomainSchema = new Schema(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
  },
  { _id: false },
);

const CompetencySchema = new Schema(
  {
    code: { type: String, required: true },
    domain: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    /** One observable-practice descriptor per level, LEVEL_NAMES order. */
    levels: { type: [String], required: true, validate: (v: string[]) => v.length === LEVEL_NAMES.length },
  },
  { _id: false },
);

/** A competency framework: domains, competencies and their four level descriptors. */
const FrameworkSchema = new Schema(
  {
    key: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    /** The framework assessments and recommendations use; at most one per tenant. */
    isDefault: { type: Boolean, default: false },
    domains: { type: [DomainSchema], default: [] },
    competencies: { type: [CompetencySchema], default: [] },
  },
  { timestamps: true },
);
FrameworkSchema.plugin(tenantScoped);
FrameworkSchema.index({ tenantId: 1, key: 1 }, { unique: true });
FrameworkSchema.index({ tenantId: 1, isDefault: 1 }, { unique: true, partialFilterExpression: { isDefault: true }, name: 'one_default_per_tenant' });

export type FrameworkDoc = Scoped<InferSchemaType<typeof FrameworkSchema>>;
export const Framework = model('Framework', FrameworkSchema);
