import { InferSchemaType, Schema } from 'mongoose';

/** Who approves submitted plans: people granted Approver (and PD staff), PD staff only, or nobody (plans start on submit). */
export const APPROVERS = ['approver-grant', 'pd-staff', 'none'] as const;
export type Approvers = (typeof APPROVERS)[number];
/** What happens to a teacher's completed PD credit when they delete their data (their private content goes at once). */
export const CREDIT_RETENTION = ['years', 'until-deleted', 'with-teacher'] as const;
export type CreditRetention = (typeof CREDIT_RETENTION)[number];

/**
 * District PD policy: plan length, caps and approval rules for every plan in the tenant. Stored inside the
 * tenant (tenants/model.ts) and carried by every Actor, so its one definition lives here.
 */
export const PolicySchema = new Schema(
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
    /** IANA zone the district's session times are given and shown in. */
    timeZone: { type: String, default: 'UTC' },
    /** A launch as a course's Instructor makes that person a session facilitator. */
    instructorsFacilitate: { type: Boolean, default: false },
    /** A session registration for an activity costing more than this ($) waits for the plan's approver; unset: never. */
    registrationApprovalAbove: { type: Number, min: 0 },
  },
  { _id: false },
);

export type TenantPolicy = InferSchemaType<typeof PolicySchema>;
