import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';
import { PLATFORM_FAMILIES } from '../kernel/actor';
import { PolicySchema } from '../kernel/tenantPolicy';

const DeploymentSchema = new Schema(
  {
    deploymentId: { type: String, required: true },
    source: { type: String, enum: ['cli', 'dynamic-registration', 'demo', 'console'], required: true },
    addedAt: { type: Date, default: () => new Date() },
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
export type CourseContextDoc = Scoped<InferSchemaType<typeof CourseContextSchema>>;

export const Tenant = model('Tenant', TenantSchema);
export const CourseContext = model('CourseContext', CourseContextSchema);
