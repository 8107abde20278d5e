import { FieldErrors } from '../web/errors';
import { Approvers, APPROVERS, TenantPolicy } from './model';

export const APPROVER_LABELS: Record<Approvers, string> = {
  'approver-grant': 'Approvers (people granted the Approver role) and PD staff',
  'pd-staff': 'PD staff only',
  none: 'Nobody: a submitted plan starts at once',
};

export interface PolicyFormValues {
  planMonths: string;
  maxCostPerYear: string;
  maxHoursPerYear: string;
  minHoursPerYear: string;
  approvers: string;
  reflectionRequired: boolean;
  instructorsSeeCourseProgress: boolean;
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
    instructorsSeeCourseProgress: !!p.instructorsSeeCourseProgress,
  };
}

export function valuesFromForm(body: Record<string, unknown>): PolicyFormValues {
  return {
    planMonths: str(body.planMonths),
    maxCostPerYear: str(body.maxCostPerYear),
    maxHoursPerYear: str(body.maxHoursPerYear),
    minHoursPerYear: str(body.minHoursPerYear),
    approvers: str(body.approvers),
    reflectionRequired: ticked(body.reflectionRequired),
    instructorsSeeCourseProgress: ticked(body.instructorsSeeCourseProgress),
  };
}

export function policyForm(values: PolicyFormValues, errors: FieldErrors = {}) {
  return { values, errors, approverChoices: APPROVERS.map((value) => ({ value, label: APPROVER_LABELS[value] })) };
}
