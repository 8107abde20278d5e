import { KIND_LABELS, type ActivityDoc } from '../catalog/service';
import type { CompetencyView, FrameworkView } from '../frameworks/service';
import { competencyName, LEVEL_NAMES } from '../frameworks/service';
import type { UserDoc } from '../users/service';
import { count, dayRange, isoDate } from '../web/format';
import type { PlanFacts } from '../web/nextStep';
import { describeChange, proposalOf } from './changes';
import {
  DueReview,
  EvidenceDoc,
  GoalDoc,
  GroupGoalDoc,
  GroupProgress,
  MAX_GOALS,
  money,
  PlanActivityDoc,
  PlanDoc,
  PlanWithEvidence,
  PlanTotals,
  ReflectionDoc,
  STATUS_LABELS,
  COACHING_STEPS,
  EVIDENCE_TYPES,
} from './service';

const STATUS_TONES: Record<string, string> = { draft: '', submitted: 'warn', returned: 'bad', active: 'ok', 'in-review': 'warn', completed: 'ok', closed: '' };

const DECISION_LABELS: Record<string, string> = {
  submitted: 'Submitted',
  approved: 'Approved',
  returned: 'Returned',
  'change-submitted': 'Changes sent for approval',
  'change-approved': 'Changes approved',
  'change-returned': 'Changes returned',
};

export const PROGRESS_LABELS: Record<string, string> = { 'not-started': 'Not started', 'in-progress': 'In progress', 'awaiting-verification': 'Waiting for certificate check', done: 'Done' };
const PROGRESS_TONES: Record<string, string> = { 'not-started': '', 'in-progress': 'warn', 'awaiting-verification': 'warn', done: 'ok' };
const SOURCE_LABELS: Record<string, string> = { manual: 'marked by the teacher', evidence: 'verified evidence', lms: 'LMS sync', csv: 'CSV import', webhook: 'LMS webhook', attendance: 'session attendance' };
const STEP_LABELS: Record<string, string> = { plan: 'Planning conference', observe: 'Observation', debrief: 'Debrief' };
export const ACTIVITY_KIND_LABELS: Record<string, string> = { ...KIND_LABELS, custom: 'Your own activity' };

export const percent = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 100);
const levelText = (level?: number | null) => (level ? `${LEVEL_NAMES[level - 1]} (level ${level})` : '');

export function ruleText(rule: GoalDoc['rule']): string {
  if (rule?.kind === 'n-of-m') return `Complete when ${rule.n} of its activities ${rule.n === 1 ? 'is' : 'are'} done`;
  if (rule?.kind === 'hours') return `Complete after ${count(rule.hours ?? 0, 'hour')} of activities`;
  return 'Complete when every required activity is done';
}

/** Where a goal came from; `due` is a day views print with `time()`. */
function originOf(goal: GoalDoc): { text: string; due: string } | undefined {
  if (goal.origin?.kind === 'pathway') return { text: `Assigned by your district: ${goal.origin.pathway?.title ?? 'pathway'}`, due: isoDate(goal.origin.dueAt) };
  if (goal.origin?.kind === 'carried') return { text: 'Carried over from your previous plan', due: '' };
  return undefined;
}

export function totalsView(t: PlanTotals) {
  const row = (label: string, value: string, cap: string, problem?: string) => ({ label, value, cap, problem });
  const problem = (cap: string) => t.problems.find((p) => p.cap === cap)?.message;
  return {
    hours: `${t.hours} h`,
    cost: money(t.cost),
    years: t.years,
    rows: [
      row('Cost per year', money(t.costPerYear), `cap ${money(t.caps.maxCostPerYear)}`, problem('maxCostPerYear')),
      row('Hours per year', `${t.hoursPerYear} h`, `cap ${t.caps.maxHoursPerYear} h`, problem('maxHoursPerYear')),
      row('Required hours per year', `${t.hoursPerYear} h`, `at least ${t.caps.minHoursPerYear} h`, problem('minHoursPerYear')),
    ],
    ok: !t.problems.length,
    /** For public/js/plans.js, which recomputes as the teacher types. */
    data: { hours: t.hours, cost: t.cost, years: t.years, maxCost: t.caps.maxCostPerYear, maxHours: t.caps.maxHoursPerYear, minHours: t.caps.minHoursPerYear },
  };
}

function stepsView(a: PlanActivityDoc) {
  return a.kind === 'coaching-cycle' ? COACHING_STEPS.map((s) => ({ step: s, label: STEP_LABELS[s], doneOn: isoDate(a.steps?.[s]) })) : [];
}

export function activityRow(a: PlanActivityDoc) {
  return {
    id: String(a._id),
    catalogId: a.activityId ? String(a.activityId) : '',
    title: a.title,
    kind: ACTIVITY_KIND_LABELS[a.kind ?? 'custom'] ?? a.kind,
    hours: `${a.hours} h`,
    cost: a.cost ? money(a.cost) : 'Free',
    dates: dayRange(a.plannedStart, a.plannedEnd),
    required: a.required !== false,
    certificate: !!a.certificateRequired,
    status: a.status,
    statusLabel: PROGRESS_LABELS[a.status] ?? a.status,
    statusTone: PROGRESS_TONES[a.status] ?? '',
    source: a.source ? SOURCE_LABELS[a.source] : '',
    completedOn: isoDate(a.completedAt),
    steps: stepsView(a),
    evidenceCount: a.evidence.length,
    open: a.status === 'not-started' || a.status === 'in-progress',
  };
}

export function goalSummary(goal: GoalDoc, index: number, competencies: Map<string, CompetencyView>) {
  return {
    id: String(goal._id),
    number: index + 1,
    statement: goal.statement,
    competency: goal.competency ? competencyName(competencies, goal.competency) : '',
    competencyCode: goal.competency ?? '',
    targetLevel: levelText(goal.targetLevel),
    measure: goal.measure,
    targetDate: isoDate(goal.targetDate),
    rule: ruleText(goal.rule),
    origin: originOf(goal),
    assigned: goal.origin?.kind === 'pathway',
    team: !!goal.groupGoalId,
    teamId: goal.groupGoalId ? String(goal.groupGoalId) : '',
    progress: percent(goal.status === 'completed' ? 1 : goal.progress),
    completed: goal.status === 'completed',
    completedOn: isoDate(goal.completedAt),
    waitingForReflection: goal.status === 'open' && goal.progress >= 1,
    activities: goal.activities.map(activityRow),
    hours: goal.activities.reduce((s, a) => s + a.hours, 0),
  };
}

export function planView(plan: PlanDoc, o: { teacherName: string; totals: PlanTotals; competencies: Map<string, CompetencyView>; due?: DueReview; submitProblems: string[] }) {
  const lastDecision = [...plan.approvals].reverse().find((a) => a.decision !== 'submitted');
  return {
    id: String(plan._id),
    teacherName: o.teacherName,
    status: plan.status,
    statusLabel: STATUS_LABELS[plan.status] ?? plan.status,
    statusTone: STATUS_TONES[plan.status] ?? '',
    period: dayRange(plan.periodStart, plan.periodEnd),
    endedOn: isoDate(plan.endedAt),
    progress: percent(plan.progress),
    goals: plan.goals.map((g, i) => goalSummary(g, i, o.competencies)),
    roomForGoals: plan.goals.length < MAX_GOALS,
    maxGoals: MAX_GOALS,
    totals: totalsView(o.totals),
    commitment: { agreed: !!plan.commitment?.agreed, text: plan.commitment?.text ?? '', on: isoDate(plan.commitment?.at) },
    returnedComment: plan.status === 'returned' && lastDecision?.decision === 'returned' ? { by: lastDecision.byName, comment: lastDecision.comment, on: isoDate(lastDecision.at) } : undefined,
    history: plan.approvals.map((a) => ({ decision: DECISION_LABELS[a.decision] ?? a.decision, by: a.byName, comment: a.comment, on: isoDate(a.at), exception: a.exception?.reason ? { reason: a.exception.reason, over: (a.exception.over ?? []).join(' ') } : undefined })),
    reviews: plan.reviews.map((r) => ({ kind: r.kind === 'annual' ? 'Annual review' : 'End-of-period review', on: isoDate(r.completedAt) })),
    due: o.due ? { kind: o.due.kind === 'annual' ? 'annual review' : 'end-of-period review', since: isoDate(o.due.dueAt) } : undefined,
    submitProblems: o.submitProblems,
  };
}

/** A plan in a teacher's list of plans (the "Previous plans" of a plan page). */
export function planListItem(plan: PlanDoc) {
  const done = plan.goals.filter((g) => g.status === 'completed').length;
  return { id: String(plan._id), period: dayRange(plan.periodStart, plan.periodEnd), statusLabel: STATUS_LABELS[plan.status] ?? plan.status, current: !!plan.current, goals: `${done} of ${plan.goals.length} ${plan.goals.length === 1 ? 'goal' : 'goals'} completed` };
}

/** What the teacher's home needs to decide their next step (`src/web/nextStep.ts`). */
export function planFacts(plan: PlanDoc, submitProblems: string[], due: DueReview | undefined, approvers: string[]): PlanFacts {
  const unreflected = plan.goals.findIndex((g) => g.status === 'open' && g.progress >= 1);
  const goalWithOpen = plan.goals.find((g) => g.activities.some((a) => a.status === 'not-started' || a.status === 'in-progress'));
  const openActivity = goalWithOpen?.activities.find((a) => a.status === 'not-started' || a.status === 'in-progress');
  const lastDecision = [...plan.approvals].reverse().find((a) => a.decision !== 'submitted');
  return {
    id: String(plan._id),
    status: plan.status,
    goals: plan.goals.length,
    submitProblems,
    approvers,
    returnedBy: plan.status === 'returned' && lastDecision?.decision === 'returned' ? lastDecision.byName : undefined,
    reviewDue: due?.kind,
    unreflectedGoal: unreflected >= 0 ? { id: String(plan.goals[unreflected]!._id), number: unreflected + 1, statement: plan.goals[unreflected]!.statement } : undefined,
    nextActivity: goalWithOpen && openActivity ? { goalId: String(goalWithOpen._id), id: String(openActivity._id), title: openActivity.title } : undefined,
    changesWaiting: plan.status === 'active' && plan.change?.status === 'submitted',
  };
}

export function reflectionView(r: ReflectionDoc, activities: PlanActivityDoc[]) {
  return {
    id: String(r._id),
    about: r.planActivityId ? (activities.find((a) => a._id.equals(r.planActivityId!))?.title ?? 'An activity') : 'The whole goal',
    learned: r.learned,
    practice: r.practice,
    impact: r.impact,
    shared: !!r.shared,
    on: isoDate(r.at),
  };
}

export function feedbackView(f: GoalDoc['feedback'][number]) {
  return { by: f.authorName, role: f.authorRole === 'coach' ? 'Coach' : 'Teacher', text: f.text, on: isoDate(f.at) };
}

export function evidenceView(e: EvidenceDoc) {
  return {
    id: String(e._id),
    kind: e.kind,
    name: e.kind === 'file' ? (e.filename ?? 'File') : (e.url ?? ''),
    url: e.kind === 'link' ? e.url : undefined,
    size: e.size ? `${Math.max(1, Math.round(e.size / 1024))} KB` : '',
    note: e.note,
    certificate: !!e.isCertificate,
    status: e.status,
    statusLabel: e.status === 'verified' ? `Verified by ${e.decidedByName ?? 'an approver'}` : e.status === 'rejected' ? `Rejected by ${e.decidedByName ?? 'an approver'}` : 'Waiting for an approver',
    statusTone: e.status === 'verified' ? 'ok' : e.status === 'rejected' ? 'bad' : 'warn',
    reason: e.rejectionReason ?? '',
    on: isoDate(e.addedAt),
  };
}

export const ACCEPTED_FILES = Object.values(EVIDENCE_TYPES).flatMap((t) => t.ext).join(',');
export const ACCEPTED_LABEL = Object.values(EVIDENCE_TYPES).map((t) => t.label).join(', ');

/** Values of the goal form (as typed, so a rejected form comes back as the teacher left it). */
export interface GoalFormValues {
  statement: string;
  competency: string;
  targetLevel: string;
  measure: string;
  targetDate: string;
  ruleKind: string;
  ruleN: string;
  ruleHours: string;
  memberIds: string[];
}

export function goalFormValues(goal?: GoalDoc, body?: Record<string, unknown>): GoalFormValues {
  if (body) {
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const list = body.memberIds === undefined ? [] : ([] as unknown[]).concat(body.memberIds).map(String);
    return { statement: str('statement'), competency: str('competency'), targetLevel: str('targetLevel'), measure: str('measure'), targetDate: str('targetDate'), ruleKind: str('ruleKind') || 'all', ruleN: str('ruleN'), ruleHours: str('ruleHours'), memberIds: list };
  }
  return {
    statement: goal?.statement ?? '',
    competency: goal?.competency ?? '',
    targetLevel: goal?.targetLevel ? String(goal.targetLevel) : '',
    measure: goal?.measure ?? '',
    targetDate: isoDate(goal?.targetDate),
    ruleKind: goal?.rule?.kind ?? 'all',
    ruleN: goal?.rule?.n ? String(goal.rule.n) : '',
    ruleHours: goal?.rule?.hours ? String(goal.rule.hours) : '',
    memberIds: [],
  };
}

export function goalFormChoices(fw: FrameworkView | undefined) {
  return {
    competencies: (fw?.competencies ?? []).map((c) => ({ value: c.code, label: `${c.domainName}: ${c.name}` })),
    levels: LEVEL_NAMES.map((name, i) => ({ value: String(i + 1), label: `${i + 1} · ${name}` })),
    rules: [
      { value: 'all', label: 'All required activities are done' },
      { value: 'n-of-m', label: 'A number of its activities are done' },
      { value: 'hours', label: 'Enough hours of activities are done' },
    ],
  };
}

export function catalogChoice(a: ActivityDoc, competencies: Map<string, CompetencyView>) {
  return {
    id: String(a._id),
    title: a.title,
    kind: ACTIVITY_KIND_LABELS[a.kind] ?? a.kind,
    provider: a.provider ?? '',
    competencies: a.competencies.map((c) => competencyName(competencies, c)).join(', '),
    hours: a.hours,
    cost: a.cost,
    costText: a.cost ? money(a.cost) : 'Free',
    certificate: !!a.certificateRequired,
    dates: dayRange(a.schedule?.startsOn, a.schedule?.endsOn),
    selfPaced: !!a.schedule?.selfPaced,
  };
}

export function queueRow(plan: Pick<PlanDoc, '_id' | 'userId' | 'status' | 'submittedAt'> & { change?: PlanDoc['change']; goals: unknown[] }, names: Map<string, string>, totals: PlanTotals) {
  const changes = plan.status === 'active' && plan.change?.status === 'submitted';
  return {
    id: String(plan._id),
    teacher: names.get(String(plan.userId)) ?? 'A teacher',
    what: changes ? `${plan.change!.changes.length} proposed ${plan.change!.changes.length === 1 ? 'change' : 'changes'} to an approved plan` : 'New plan',
    submittedOn: isoDate(changes ? plan.change!.submittedAt : plan.submittedAt),
    goals: plan.goals.length,
    hoursPerYear: `${totals.hoursPerYear} h`,
    costPerYear: money(totals.costPerYear),
    withinCaps: !totals.problems.length,
  };
}

/** The evidence of a plan waiting to be verified, one row per piece (the queue adds the teacher's name). */
export function evidenceQueueRows(plan: PlanWithEvidence) {
  return plan.goals.flatMap((g) =>
    g.activities.flatMap((a) =>
      a.evidence.filter((e) => e.status === 'submitted').map((e) => ({ planId: String(plan._id), goalId: String(g._id), activityId: String(a._id), activity: a.title, certificate: !!e.isCertificate, on: isoDate(e.addedAt) })),
    ),
  );
}

export function caseloadRow(teacher: UserDoc, plan: PlanDoc | undefined, due?: DueReview) {
  return {
    name: teacher.name || teacher.aliases?.email || 'A teacher',
    planId: plan ? String(plan._id) : '',
    status: plan ? STATUS_LABELS[plan.status] : 'No plan yet',
    statusTone: plan ? STATUS_TONES[plan.status] : '',
    progress: plan ? percent(plan.progress) : 0,
    goals: plan?.goals.length ?? 0,
    reviewDue: due ? (due.kind === 'annual' ? 'Annual review due' : 'End-of-period review due') : '',
  };
}

export function groupGoalView(group: GroupGoalDoc, progress: GroupProgress | undefined, viewerId: string, competencies: Map<string, CompetencyView>) {
  return {
    id: String(group._id),
    statement: group.statement,
    owner: group.ownerName,
    competency: group.competency ? competencyName(competencies, group.competency) : '',
    targetLevel: levelText(group.targetLevel),
    measure: group.measure,
    targetDate: isoDate(group.targetDate),
    invited: group.invitedIds.length,
    member: group.memberIds.some((id) => String(id) === viewerId),
    progress: progress ? { average: percent(progress.average), completed: progress.completedCount, members: progress.members.map((m) => ({ name: m.name, progress: percent(m.progress), completed: m.completed })) } : undefined,
  };
}

export interface ReviewFormGoal {
  id: string;
  number: number;
  statement: string;
  competency: string;
  progress: number;
  reflection: string;
  selfLevel: string;
  needsLevel: boolean;
}

export function reviewForm(plan: PlanDoc, competencies: Map<string, CompetencyView>, body?: Record<string, unknown>): ReviewFormGoal[] {
  return plan.goals.map((g, i) => {
    const typed = (field: string) => (typeof body?.[`goals.${g._id}.${field}`] === 'string' ? (body[`goals.${g._id}.${field}`] as string) : '');
    return {
      id: String(g._id),
      number: i + 1,
      statement: g.statement,
      progress: percent(g.status === 'completed' ? 1 : g.progress),
      competency: g.competency ? competencyName(competencies, g.competency) : '',
      reflection: typed('reflection'),
      selfLevel: typed('selfLevel'),
      needsLevel: !!g.competency,
    };
  });
}

/** The changes proposed to an approved plan, in words, with the totals the plan would have. */
export function proposalView(plan: PlanDoc, totalsAfter: PlanTotals) {
  const proposal = proposalOf(plan);
  const goalTitle = (id: PlanDoc['goals'][number]['_id']) => plan.goals.find((g) => g._id.equals(id))?.statement;
  return {
    status: proposal.status,
    sentOn: isoDate(proposal.submittedAt),
    changes: proposal.changes.map((c) => ({
      id: String(c._id),
      text: describeChange(c, c.kind.endsWith('activity') ? goalTitle(c.goalId) : undefined),
      newGoalId: c.kind === 'add-goal' ? String(c.goalId) : '',
      withdrawable: !(c.kind === 'add-goal' && c.goal?.origin?.kind === 'pathway'),
    })),
    totals: totalsView(totalsAfter),
  };
}
