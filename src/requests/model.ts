import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const REQUEST_KINDS = ['conference', 'university-course', 'online-course'] as const;
export const STEP_ROLES = ['approver', 'pdStaff'] as const;
export const REQUEST_STATUSES = ['in-approval', 'returned', 'declined', 'approved', 'proof-submitted', 'verified'] as const;
export const REIMBURSEMENT_STATUSES = ['none', 'claimed', 'approved', 'declined'] as const;

/**
 * A district budget that pays for outside PD (Title II, a school's PD line) for one school year.
 * `balance` is amount − committed − paid, kept in the document so an approval can take money with one
 * conditional update ({ balance: { $gte: cost } }): two approvals racing for the last dollars cannot both win.
 */
const BudgetSchema = new Schema({
  name: { type: String, required: true },
  nameKey: { type: String, required: true },
  schoolYear: { type: String, required: true },
  amount: { type: Number, required: true, min: 0 },
  committed: { type: Number, default: 0 },
  paid: { type: Number, default: 0 },
  balance: { type: Number, required: true },
});
BudgetSchema.plugin(tenantScoped);
BudgetSchema.index({ tenantId: 1, nameKey: 1, schoolYear: 1 }, { unique: true });
export type BudgetDoc = Scoped<InferSchemaType<typeof BudgetSchema>>;
export const Budget = model('Budget', BudgetSchema);

const StepSchema = new Schema({ label: { type: String, required: true }, role: { type: String, enum: STEP_ROLES, required: true } }, { _id: false });

/** The district's ordered approval steps for outside PD (e.g. the teacher's approver, then the PD office). */
const ApprovalChainSchema = new Schema({ steps: { type: [StepSchema], default: [] } });
ApprovalChainSchema.plugin(tenantScoped);
// One chain per district: the plugin's tenantId index made unique (a second index on the same key would clash).
ApprovalChainSchema.path('tenantId').index({ unique: true });
export type ApprovalChainDoc = Scoped<InferSchemaType<typeof ApprovalChainSchema>>;
export const ApprovalChain = model('ApprovalChain', ApprovalChainSchema);

const HistorySchema = new Schema(
  {
    at: { type: Date, default: () => new Date() },
    by: { type: Schema.Types.ObjectId, required: true },
    byName: { type: String, default: '' },
    action: { type: String, required: true },
    step: { type: String, default: '' },
    comment: { type: String, default: '' },
  },
  { _id: false },
);

const FileSchema = new Schema(
  { fileId: { type: Schema.Types.ObjectId, required: true }, filename: String, contentType: String, size: Number, uploadedAt: { type: Date, default: () => new Date() } },
  { _id: true },
);

/** A teacher's request for outside PD: what, when, the credit wanted, the cost and who pays, then proof and reimbursement. */
const OutsideRequestSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  userName: { type: String, default: '' },
  kind: { type: String, enum: REQUEST_KINDS, required: true },
  title: { type: String, required: true },
  provider: { type: String, required: true },
  startsOn: { type: Date, required: true },
  endsOn: { type: Date, required: true },
  hours: { type: Number, required: true, min: 0 },
  creditType: { type: String, required: true },
  costs: { registration: { type: Number, default: 0 }, travel: { type: Number, default: 0 }, substitute: { type: Number, default: 0 } },
  total: { type: Number, required: true },
  budgetId: { type: Schema.Types.ObjectId },
  planId: { type: Schema.Types.ObjectId, required: true },
  goalId: { type: Schema.Types.ObjectId, required: true },
  status: { type: String, enum: REQUEST_STATUSES, default: 'in-approval' },
  /** The chain as it stood at submission, and the step waiting for a decision. */
  steps: { type: [StepSchema], default: [] },
  stepIndex: { type: Number, default: 0 },
  history: { type: [HistorySchema], default: [] },
  /** Money taken from the budget at the final approval (released or paid out by the reimbursement decision). */
  committed: { type: Number, default: 0 },
  planActivityId: { type: Schema.Types.ObjectId },
  proof: { type: FileSchema },
  reimbursement: {
    status: { type: String, enum: REIMBURSEMENT_STATUSES, default: 'none' },
    claimed: Number,
    approved: Number,
    receipts: { type: [FileSchema], default: [] },
    comment: { type: String, default: '' },
    decidedAt: Date,
  },
  rev: { type: Number, default: 0 },
  submittedAt: { type: Date, default: () => new Date() },
});
OutsideRequestSchema.plugin(tenantScoped);
OutsideRequestSchema.index({ tenantId: 1, userId: 1, submittedAt: -1 });
OutsideRequestSchema.index({ tenantId: 1, status: 1 });
export type OutsideRequestDoc = Scoped<InferSchemaType<typeof OutsideRequestSchema>>;
export const OutsideRequest = model('OutsideRequest', OutsideRequestSchema);
