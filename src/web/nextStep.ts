import { count } from './format';

/** The landing pages a launch can end on (ARCHITECTURE §6, Launch). */
export type HomeKind = 'teacher' | 'coach' | 'staff' | 'facilitator';

/**
 * The one thing a home page leads with: what this person should do next, worded for them, with the
 * link that does it. Pure: the home gathers the facts (each feature's panel adds its own), this decides.
 */
export interface NextStep {
  text: string;
  href: string;
  action: string;
}

/** The teacher's current plan, as far as the next step needs it. */
export interface PlanFacts {
  id: string;
  status: string;
  goals: number;
  /** Why it cannot be submitted yet (empty: it can). */
  submitProblems: string[];
  /** Who decides a submitted plan or change (names). */
  approvers: string[];
  returnedBy?: string;
  reviewDue?: 'annual' | 'final';
  /** A goal whose activities are done and that still needs a reflection. */
  unreflectedGoal?: { id: string; number: number; statement: string };
  nextActivity?: { goalId: string; id: string; title: string };
  changesWaiting?: boolean;
}

/** What a feature's home panel knows that may decide the next step; the home merges them. */
export interface HomeFacts {
  /** The teacher's plan; null: the teacher has none. Undefined: not known on this home. */
  plan?: PlanFacts | null;
  toDecide?: { plans: number; evidence: number };
  caseload?: { teachers: number; withoutPlan: number; reviewsDue: number };
  sync?: { failingSources: number; waiting: number };
  people?: { pending: number };
  /** The facilitator's sessions: attendance still to take (the first such session) and what comes next. */
  facilitating?: { attendanceToTake: number; firstToTake?: string; next?: { id: string; title: string } };
}

const names = (list: string[]) => (list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`);
const shortened = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

function teacherStep(plan: PlanFacts | null | undefined): NextStep {
  if (!plan) return { text: 'Start your PD plan: write your first goal.', href: '/plan', action: 'Start my plan' };
  const open = `/plans/${plan.id}`;
  if (plan.status === 'draft' || plan.status === 'returned') {
    if (!plan.goals) return { text: 'Write your first goal.', href: `${open}/goals/new`, action: 'Write a goal' };
    const returned = plan.status === 'returned' ? `${plan.returnedBy ?? 'Your approver'} returned your plan with a comment. ` : '';
    if (plan.submitProblems.length) return { text: `${returned}Before you submit: ${plan.submitProblems[0]}`, href: open, action: 'Open my plan' };
    return { text: `${returned}Your plan is ready: submit it for approval.`, href: `${open}#submit-title`, action: 'Submit my plan' };
  }
  if (plan.status === 'submitted') {
    return { text: plan.approvers.length ? `Your plan is waiting for approval by ${names(plan.approvers)}.` : 'Your plan is waiting for approval.', href: open, action: 'Open my plan' };
  }
  if (plan.status === 'in-review') return { text: 'Your review is saved: continue this plan or renew it for the next period.', href: open, action: 'Open my plan' };
  if (plan.reviewDue) return { text: `Your ${plan.reviewDue === 'annual' ? 'annual' : 'end-of-period'} review is due.`, href: `${open}/review`, action: 'Write my review' };
  if (plan.changesWaiting) return { text: `Your proposed changes are waiting for approval${plan.approvers.length ? ` by ${names(plan.approvers)}` : ''}.`, href: `${open}#proposal-title`, action: 'See my changes' };
  if (plan.unreflectedGoal) {
    const g = plan.unreflectedGoal;
    return { text: `Add a reflection to goal ${g.number}, “${shortened(g.statement)}”: its activities are done.`, href: `${open}/goals/${g.id}#reflections-title`, action: 'Write a reflection' };
  }
  if (plan.nextActivity) {
    const a = plan.nextActivity;
    return { text: `Next activity: ${a.title}.`, href: `${open}/goals/${a.goalId}/activities/${a.id}`, action: 'Open the activity' };
  }
  return { text: 'Everything planned is done — well done.', href: open, action: 'Open my plan' };
}

/** Decisions waiting for an approver: plans and changes first, then evidence. */
function decisionStep(toDecide: HomeFacts['toDecide']): NextStep | undefined {
  if (toDecide?.plans) return { text: `${count(toDecide.plans, 'plan waits', 'plans wait')} for your approval.`, href: '/approvals', action: 'Review plans' };
  if (toDecide?.evidence) return { text: `${count(toDecide.evidence, 'piece of evidence waits', 'pieces of evidence wait')} for your check.`, href: '/approvals', action: 'Check evidence' };
  return undefined;
}

function coachStep(f: HomeFacts): NextStep {
  const decision = decisionStep(f.toDecide);
  if (decision) return decision;
  const c = f.caseload;
  if (c?.reviewsDue) return { text: `${count(c.reviewsDue, 'of your teachers has', 'of your teachers have')} a review due.`, href: '/coach#caseload-plans-title', action: 'See your teachers' };
  if (c?.withoutPlan) return { text: `${count(c.withoutPlan, 'of your teachers has', 'of your teachers have')} no plan yet.`, href: '/coach#caseload-plans-title', action: 'See your teachers' };
  return { text: 'Nothing waits for you right now.', href: '/coach#caseload-plans-title', action: 'See your teachers' };
}

function staffStep(f: HomeFacts): NextStep {
  if (f.sync?.failingSources) return { text: `${count(f.sync.failingSources, 'completion source needs', 'completion sources need')} attention.`, href: '/completions', action: 'Open completion sync' };
  const decision = decisionStep(f.toDecide);
  if (decision) return decision;
  if (f.sync?.waiting) return { text: `${count(f.sync.waiting, 'completion waits', 'completions wait')} for a course mapping or a person.`, href: '/completions', action: 'Match completions' };
  if (f.people?.pending) return { text: `${count(f.people.pending, 'person has', 'people have')} not launched PD Pathways yet.`, href: '/people', action: 'See people' };
  return { text: 'Nothing needs attention right now.', href: '/reports', action: 'Open reports' };
}

function facilitatorStep(f: HomeFacts['facilitating']): NextStep {
  if (f?.attendanceToTake) return { text: `Attendance is still to take for ${count(f.attendanceToTake, 'session')}.`, href: `/sessions/${f.firstToTake}/roster`, action: 'Take attendance' };
  if (f?.next) return { text: `Your next session: ${shortened(f.next.title)}.`, href: `/sessions/${f.next.id}/roster`, action: 'Open its roster' };
  return { text: 'No sessions name you as facilitator right now.', href: '/sessions', action: 'See all sessions' };
}

export function nextStep(kind: HomeKind, facts: HomeFacts): NextStep {
  if (kind === 'teacher') return teacherStep(facts.plan);
  if (kind === 'facilitator') return facilitatorStep(facts.facilitating);
  return kind === 'coach' ? coachStep(facts) : staffStep(facts);
}
