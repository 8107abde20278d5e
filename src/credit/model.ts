import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/**
 * Completed PD credit kept as the district's record after the teacher deleted their data: what was
 * done, when, hours and cost, and who did it. Nothing private (no reflections, evidence or messages).
 */
const KeptCreditSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  personName: { type: String, default: '' },
  personEmail: { type: String },
  /** The plan activity it came from (plan id and activity), so a repeated deletion keeps it once. */
  key: { type: String, required: true },
  title: { type: String, required: true },
  kind: { type: String, default: 'custom' },
  hours: { type: Number, default: 0 },
  cost: { type: Number, default: 0 },
  completedAt: { type: Date, required: true },
  source: { type: String, default: 'manual' },
  keptAt: { type: Date, default: () => new Date() },
  /** The TTL monitor deletes it from this moment; absent: kept until PD staff delete it. */
  keepUntil: { type: Date },
});
KeptCreditSchema.plugin(tenantScoped);
KeptCreditSchema.index({ tenantId: 1, key: 1 }, { unique: true });
KeptCreditSchema.index({ tenantId: 1, userId: 1 });
KeptCreditSchema.index({ keepUntil: 1 }, { expireAfterSeconds: 0 });

export type KeptCreditDoc = Scoped<InferSchemaType<typeof KeptCreditSchema>>;
export const KeptCredit = model('KeptCredit', KeptCreditSchema);
