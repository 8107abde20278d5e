import { isoDate, isoDateTime, money } from '../web/format';
import type { BudgetDoc, OutsideRequestDoc } from './model';
import { budgetBalance, REIMBURSEMENT_LABELS, STATUS_LABELS } from './rules';

type Kinds = { key: string; name: string }[];

export const KIND_LABELS: Record<string, string> = { conference: 'Conference', 'university-course': 'University course', 'online-course': 'Online course' };

const HISTORY_LABELS: Record<string, string> = {
  submitted: 'Sent for approval',
  resubmitted: 'Changed and sent again',
  'approved-step': 'Approved this step',
  approved: 'Approved (final step)',
  returned: 'Returned with comments',
  declined: 'Declined',
  'approval-undone': 'Approval undone',
  'proof-sent': 'Proof of attendance sent',
  'proof-verified': 'Proof verified, credit granted',
  'proof-rejected': 'Proof rejected',
  'reimbursement-claimed': 'Reimbursement claimed',
  'reimbursement-approved': 'Reimbursement approved',
  'reimbursement-adjusted': 'Reimbursement adjusted and approved',
  'reimbursement-declined': 'Reimbursement declined',
};

export function budgetRow(b: BudgetDoc) {
  return { id: String(b._id), name: b.name, schoolYear: b.schoolYear, amount: money(b.amount), committed: money(b.committed), paid: money(b.paid), balance: money(budgetBalance(b)), rawAmount: String(b.amount) };
}

export const budgetOption = (b: BudgetDoc) => ({ value: String(b._id), label: `${b.name} (${b.schoolYear}): ${money(budgetBalance(b))} left` });

/** One line of a list of requests. */
export function requestRow(r: OutsideRequestDoc) {
  const step = r.status === 'in-approval' ? r.steps[r.stepIndex]?.label : undefined;
  return { id: String(r._id), title: r.title, teacher: r.userName, kind: KIND_LABELS[r.kind] ?? r.kind, dates: `${isoDate(r.startsOn)} to ${isoDate(r.endsOn)}`, total: money(r.total), status: STATUS_LABELS[r.status] ?? r.status, step, reimbursement: REIMBURSEMENT_LABELS[r.reimbursement?.status ?? 'none'] };
}

/** Everything the request page shows. */
export function requestView(r: OutsideRequestDoc, kinds: Kinds, budget: BudgetDoc | undefined, goal: string) {
  const kindName = kinds.find((k) => k.key === r.creditType)?.name ?? r.creditType;
  return {
    ...requestRow(r),
    provider: r.provider,
    hours: r.hours,
    credit: kindName,
    goal,
    costs: [['Registration', r.costs?.registration ?? 0], ['Travel', r.costs?.travel ?? 0], ['Substitute', r.costs?.substitute ?? 0]].map(([label, v]) => ({ label, amount: money(v as number) })),
    funding: budget ? `${budget.name} (${budget.schoolYear})` : 'No cost to the district',
    steps: r.steps.map((s, i) => ({ label: s.label, who: s.role === 'pdStaff' ? 'PD staff' : 'The teacher’s approver', state: stepState(r, i) })),
    history: r.history.map((h) => ({ at: isoDateTime(h.at), by: h.byName, action: HISTORY_LABELS[h.action] ?? h.action, step: h.step, comment: h.comment })),
    proof: r.proof?.fileId ? { id: String(r.proof.fileId), filename: r.proof.filename } : undefined,
    reimbursementStatus: r.reimbursement?.status ?? 'none',
    claimed: r.reimbursement?.claimed != null ? money(r.reimbursement.claimed) : undefined,
    paid: r.reimbursement?.approved != null ? money(r.reimbursement.approved) : undefined,
    reimbursementComment: r.reimbursement?.comment ?? '',
    receipts: (r.reimbursement?.receipts ?? []).map((f) => ({ id: String(f.fileId), filename: f.filename })),
    committed: money(r.committed),
  };
}

function stepState(r: OutsideRequestDoc, i: number): string {
  if (['approved', 'proof-submitted', 'verified'].includes(r.status) || i < r.stepIndex) return 'Approved';
  if (i > r.stepIndex) return 'Not reached';
  return r.status === 'in-approval' ? 'Waiting' : r.status === 'returned' ? 'Returned' : 'Declined';
}

/** The request form's values: what was typed, or the request being changed. */
export function formValues(typed: Record<string, unknown> | undefined, r?: OutsideRequestDoc): Record<string, string> {
  if (typed) return Object.fromEntries(['kind', 'title', 'provider', 'startsOn', 'endsOn', 'hours', 'creditType', 'registration', 'travel', 'substitute', 'budgetId', 'goalId'].map((k) => [k, String(typed[k] ?? '')]));
  if (!r) return { kind: 'conference', creditType: 'clock-hours' };
  return {
    kind: r.kind, title: r.title, provider: r.provider, startsOn: isoDate(r.startsOn), endsOn: isoDate(r.endsOn), hours: String(r.hours), creditType: r.creditType,
    registration: String(r.costs?.registration ?? 0), travel: String(r.costs?.travel ?? 0), substitute: String(r.costs?.substitute ?? 0), budgetId: r.budgetId ? String(r.budgetId) : '', goalId: String(r.goalId),
  };
}

/** What the request page may confirm after a redirect: known words only, never free text. */
export const REQUEST_DONE = ['sent', 'decided', 'proof-sent', 'proof-decided', 'claimed', 'claim-decided'] as const;
export type RequestDone = (typeof REQUEST_DONE)[number];

/** The confirmation for `done`, worded from the request as it is stored now (for the person who acted). */
export function requestConfirmation(done: RequestDone | undefined, r: OutsideRequestDoc): string | undefined {
  const teacher = r.userName || 'the teacher';
  const step = r.steps[r.stepIndex]?.label ?? 'the next step';
  switch (done) {
    case 'sent':
      return r.status === 'in-approval' ? `Your request was sent for approval. It waits for ${step}; you get a notice when it is decided.` : undefined;
    case 'decided':
      if (r.status === 'in-approval') return `You approved this step; the request now waits for ${step}, and those who decide it were told.`;
      if (r.status === 'returned') return `You returned the request to ${teacher} with your comments; ${teacher} was told and can change it and send it again.`;
      if (r.status === 'declined') return `You declined the request; ${teacher} was told.`;
      return `You approved the request: ${r.committed > 0 ? `${money(r.committed)} is committed from its budget and ` : ''}it is an activity in ${teacher}’s plan. ${teacher} was told.`;
    case 'proof-sent':
      return 'Your proof of attendance was sent; PD staff were asked to verify it.';
    case 'proof-decided':
      return r.status === 'verified' ? `The proof is verified: the credit is on ${teacher}’s transcript, and ${teacher} was told.` : `The proof was rejected; ${teacher} was told why and can send it again.`;
    case 'claimed':
      return 'Your reimbursement claim was sent with its receipts; PD staff were asked to decide it.';
    case 'claim-decided':
      return r.reimbursement?.status === 'approved' ? `${money(r.reimbursement.approved ?? 0)} is approved for payment; ${teacher} was told.` : `The claim was declined; ${teacher} was told why.`;
    default:
      return undefined;
  }
}

export const SETTINGS_DONE: Record<string, string> = {
  chain: 'The approval steps were saved. Requests already sent keep the steps they started with.',
  budget: 'The budget was added; teachers can choose it as a funding source.',
  amount: 'The amount was saved; the balance moved by the difference.',
};
