// Outside PD requests: cost, school years, the approval chain's next step, budget balance and reimbursement
// amounts. Pure: no I/O.

export type StepRole = 'approver' | 'pdStaff';
export interface ChainStep {
  label: string;
  role: StepRole;
}
export interface Costs {
  registration: number;
  travel: number;
  substitute: number;
}

export const DEFAULT_CHAIN: readonly ChainStep[] = [
  { label: 'Principal', role: 'approver' },
  { label: 'PD office', role: 'pdStaff' },
];

const cents = (n: number) => Math.round(n * 100);

/** Registration, travel and substitute added up, to the cent. */
export function costTotal(c: Costs): number {
  return (cents(c.registration) + cents(c.travel) + cents(c.substitute)) / 100;
}

/** The school year a day falls in, July to June: 2026-09-01 → "2026-27". */
export function schoolYearOf(day: Date): string {
  const start = day.getUTCMonth() >= 6 ? day.getUTCFullYear() : day.getUTCFullYear() - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** What is left to spend: amount − committed (approved requests) − paid (reimbursements). */
export function budgetBalance(b: { amount: number; committed: number; paid: number }): number {
  return (cents(b.amount) - cents(b.committed) - cents(b.paid)) / 100;
}

/** Whether approving the step at this index finishes the chain (money is taken only then). */
export function isFinalStep(steps: readonly unknown[], stepIndex: number): boolean {
  return stepIndex >= steps.length - 1;
}

export type Decision = 'approve' | 'return' | 'decline';

/** Where a request goes after a decision at its current step. */
export function afterDecision(steps: readonly unknown[], stepIndex: number, decision: Decision): { status: 'in-approval' | 'approved' | 'returned' | 'declined'; stepIndex: number } {
  if (decision === 'return') return { status: 'returned', stepIndex };
  if (decision === 'decline') return { status: 'declined', stepIndex };
  return isFinalStep(steps, stepIndex) ? { status: 'approved', stepIndex } : { status: 'in-approval', stepIndex: stepIndex + 1 };
}

/** A reimbursement decision: approved as claimed, adjusted (any amount up to what was approved), or declined. */
export function reimbursedAmount(decision: 'approve' | 'adjust' | 'decline', claimed: number, committed: number, adjusted?: number): number | string {
  if (decision === 'decline') return 0;
  const amount = decision === 'approve' ? claimed : adjusted;
  if (amount === undefined || !Number.isFinite(amount) || amount < 0) return 'Enter the amount to pay';
  if (cents(amount) > cents(committed)) return `At most the ${committed.toFixed(2)} approved for this request`;
  return amount;
}

export const STATUS_LABELS: Record<string, string> = {
  'in-approval': 'Waiting for approval',
  returned: 'Returned to you for changes',
  declined: 'Declined',
  approved: 'Approved: upload your proof of attendance after the event',
  'proof-submitted': 'Proof sent: waiting for PD staff to verify it',
  verified: 'Attended and credited',
};

export const REIMBURSEMENT_LABELS: Record<string, string> = {
  none: 'Not claimed',
  claimed: 'Claimed: waiting for PD staff',
  approved: 'Approved for payment',
  declined: 'Declined',
};
