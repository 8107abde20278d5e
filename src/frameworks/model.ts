import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';
import { LEVEL_NAMES } from './rules';

export { LEVEL_NAMES };

const DomainSchema = new Schema(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
    /** The CASE CFItem identifier: how a re-imported version finds this domain. */
    caseId: { type: String },
  },
  { _id: false },
);

const competencyFields = {
  code: { type: String, required: true },
  domain: { type: String, required: true },
  name: { type: String, required: true },
  description: { type: String, default: '' },
  /** One observable-practice descriptor per level, LEVEL_NAMES order; none while PD staff have not written them. */
  levels: { type: [String], default: [], validate: (v: string[]) => v.length === 0 || v.length === LEVEL_NAMES.length },
  /** The CASE CFItem identifier: how a re-imported version finds this competency whatever its new wording. */
  caseId: { type: String },
};
const CompetencySchema = new Schema(competencyFields, { _id: false });
/** A competency a newer CASE version dropped: kept so plans and assessments that name it still read. */
const RetiredCompetencySchema = new Schema({ ...competencyFields, retiredAt: { type: Date, required: true } }, { _id: false });

const CaseSourceSchema = new Schema(
  {
    uri: { type: String, required: true },
    creator: { type: String, required: true },
    lastChangeDateTime: { type: Date, required: true },
    version: { type: String },
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
    retired: { type: [RetiredCompetencySchema], default: [] },
    /** The CASE CFDocument identifier (imported, or the one exports carry). */
    caseId: { type: String },
    /** Set when the framework was imported from a CASE package. */
    caseSource: { type: CaseSourceSchema },
  },
  { timestamps: true },
);
FrameworkSchema.plugin(tenantScoped);
FrameworkSchema.index({ tenantId: 1, key: 1 }, { unique: true });
FrameworkSchema.index({ tenantId: 1, isDefault: 1 }, { unique: true, partialFilterExpression: { isDefault: true }, name: 'one_default_per_tenant' });

export type FrameworkDoc = Scoped<InferSchemaType<typeof FrameworkSchema>>;
export const Framework = model('Framework', FrameworkSchema);
