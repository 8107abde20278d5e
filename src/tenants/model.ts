import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const PLATFORM_FAMILIES = ['canvas', 'moodle', 'other'] as const;
export type PlatformFamily = (typeof PLATFORM_FAMILIES)[number];
/** Who approves submitted plans: people granted Approver (and PD staff), PD staff only, or nobody (plans start on submit). */
export const APPROVERS = ['approver-grant', 'pd-staff', 'none'] as const;
export type Approvers = (typeof APPROVERS)[number];
/** What happens to a teacher's completed PD credit when they delete their data (their private content goes at once). */
export const CREDIT_RETENTION = ['years', 'until-deleted', 'with-teacher'] as const;
export type CreditRetention = (typeof CREDIT_RETENTION)[number];

const DeploymentSchema = new Schema(
  {
    deploymentId: { type: String, required: true },
    source: { type: String, enum: ['cli', 'dynamic-registration', 'demo', 'console'], required: true },
    addedAt: { type: Date, default: () => new Date() },
  },
  { _id: false },
);

/** District PD policy: plan length, caps and approval rules for every plan in the tenant. */
const PolicySchema = new Schema(
  {
    planMonths: { type: Number, default: 24, min: 6, max: 60 },
    maxCostPerYear: { type: Number, default: 1500, min: 0 },
    maxHoursPerYear: { type: Number, default: 120, min: 0 },
    minHoursPerYear: { type: Number, default: 20, min: 0 },
    /** Kept equal to approvers !== 'none' (plans read it). */
    approvalRequired: { type: Boolean, default: true },
    approvers: { type: String, enum: APPROVERS, default: 'approver-grant' },
    reflectionRequired: { type: Boolean, default: true },
    creditRetention: { type: String, enum: CREDIT_RETENTION, default: 'years' },
    /** With 'years': completed credit is kept this long after each activity was completed. */
    creditRetentionYears: { type: Number, default: 7, min: 1, max: 50 },
    /** Course instructors see their course participants' plan progress (never reflections or coaching). */
    instructorsSeeCourseProgress: { type: Boolean, default: false },
  },
  { _id: false },
);

/** One platform registration (issuer + client_id): the unit of tenancy. */
const TenantSchema = new Schema(
  {
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    name: { type: String, required: true },
    family: { type: String, enum: PLATFORM_FAMILIES, default: 'other' },
    deployments: { type: [DeploymentSchema], default: [] },
    /** Origins that frame this platform's launches: its auth endpoint's and those its signed launches named. */
    framingOrigins: { type: [String], default: [] },
    policy: { type: PolicySchema, default: () => ({}) },
  },
  { timestamps: true },
);
TenantSchema.index({ issuer: 1, clientId: 1 }, { unique: true });

/** An LMS course the tool was launched from, with the service endpoints its launches carried. */
const CourseContextSchema = new Schema(
  {
    contextId: { type: String, required: true },
    title: { type: String, default: '' },
    label: { type: String, default: '' },
    /** The LMS's own course id (Canvas course id, Moodle course id) when the platform tells us. */
    lmsCourseId: { type: String },
    deploymentId: { type: String, required: true },
    ags: {
      lineitems: String,
      scopes: { type: [String], default: undefined },
    },
    nrps: { url: String },
    lastLaunchAt: { type: Date, default: () => new Date() },
  },
  { timestamps: true },
);
CourseContextSchema.plugin(tenantScoped);
CourseContextSchema.index({ tenantId: 1, contextId: 1 }, { unique: true });

export type TenantDoc = InferSchemaType<typeof TenantSchema> & { _id: import('mongoose').Types.ObjectId };
export type TenantPolicy = InferSchemaType<typeof PolicySchema>;
export type CourseContextDoc = Scoped<InferSchemaType<typeof CourseContextSchema>>;

export const Tenant = model('Tenant', TenantSchema);
export const CourseContext = model('CourseContext', CourseContextSchema);
