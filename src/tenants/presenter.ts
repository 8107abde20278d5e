import { FieldErrors } from '../kernel/errors';
import { Approvers, APPROVERS, CREDIT_RETENTION, CreditRetention, TenantPolicy } from '../kernel/tenantPolicy';

export const APPROVER_LABELS: Record<Approvers, string> = {
  'approver-grant': 'Approvers (people granted the Approver role) and PD staff',
  'pd-staff': 'PD staff only',
  none: 'Nobody: a submitted plan starts at once',
};

export const RETENTION_LABELS: Record<CreditRetention, string> = {
  years: 'Keep it for a number of years after each activity was completed',
  'until-deleted': 'Keep it until PD staff delete it (District → Kept credit)',
  'with-teacher': 'Delete it with the teacher’s data',
};

export interface PolicyFormValues {
  planMonths: string;
  maxCostPerYear: string;
  maxHoursPerYear: string;
  minHoursPerYear: string;
  approvers: string;
  reflectionRequired: boolean;
  creditRetention: string;
  creditRetentionYears: string;
  instructorsSeeCourseProgress: boolean;
  instructorsFacilitate: boolean;
  timeZone: string;
  registrationApprovalAbove: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

const ticked = (v: unknown) => v === 'on' || v === 'true';

export function valuesFromPolicy(p: TenantPolicy): PolicyFormValues {
  return {
    planMonths: str(p.planMonths),
    maxCostPerYear: str(p.maxCostPerYear),
    maxHoursPerYear: str(p.maxHoursPerYear),
    minHoursPerYear: str(p.minHoursPerYear),
    approvers: p.approvers ?? (p.approvalRequired ? 'approver-grant' : 'none'),
    reflectionRequired: !!p.reflectionRequired,
    creditRetention: p.creditRetention ?? 'years',
    creditRetentionYears: str(p.creditRetentionYears ?? 7),
    instructorsSeeCourseProgress: !!p.instructorsSeeCourseProgress,
    instructorsFacilitate: !!p.instructorsFacilitate,
    timeZone: p.timeZone ?? 'UTC',
    registrationApprovalAbove: str(p.registrationApprovalAbove),
  };
}

export function valuesFromForm(body: Record<string, unknown>): PolicyFormValues {
  return {
    planMonths: str(body.planMonths),
    maxCostPerYear: str(body.maxCostPerYear),
    maxHoursPerYear: str(body.maxHoursPerYear),
    minHoursPerYear: str(body.minHoursPerYear),
    approvers: str(body.approvers),
    creditRetention: str(body.creditRetention),
    creditRetentionYears: str(body.creditRetentionYears),
    reflectionRequired: ticked(body.reflectionRequired),
    instructorsSeeCourseProgress: ticked(body.instructorsSeeCourseProgress),
    instructorsFacilitate: ticked(body.instructorsFacilitate),
    timeZone: str(body.timeZone),
    registrationApprovalAbove: str(body.registrationApprovalAbove),
  };
}

export function policyForm(values: PolicyFormValues, errors: FieldErrors = {}, timeZones: string[] = []) {
  return {
    values,
    errors,
    timeZones,
    approverChoices: APPROVERS.map((value) => ({ value, label: APPROVER_LABELS[value] })),
    retentionChoices: CREDIT_RETENTION.map((value) => ({ value, label: RETENTION_LABELS[value] })),
  };
}
