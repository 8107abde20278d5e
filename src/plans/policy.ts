import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type Id = Types.ObjectId;
/** What a plan rule needs to know about a plan. */
export interface PlanSubject {
  tenantId: Id;
  userId: Id;
  status: string;
  /** Changes proposed to an approved plan, when any. */
  change?: { status?: string | null; changes?: unknown[] } | null;
}
/** The plan's teacher, for coach checks. */
export interface TeacherSubject {
  tenantId: Id;
  _id: Id;
  coachIds: Id[];
}

function owns(actor: Actor, plan: PlanSubject): boolean {
  return actor.userId.equals(plan.userId);
}

function coaches(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return actor.roles.has('coach') && teacher._id.equals(plan.userId) && sameTenant(actor, teacher) && teacher.coachIds.some((id) => actor.userId.equals(id));
}

/** Approvers by the tenant's rule: people granted Approver and PD staff, PD staff only, or nobody. */
export function isApprover(actor: Actor): boolean {
  const rule = actor.policy.approvers ?? 'approver-grant';
  if (rule === 'none') return false;
  return actor.roles.has('pdStaff') || (rule === 'approver-grant' && actor.roles.has('approver'));
}

const EDITABLE = ['draft', 'returned'];
const RUNNING = ['active', 'in-review'];

/** A teacher starts (or opens) a plan of their own. */
export function canStartPlan(actor: Actor, teacher: { tenantId: Id; _id: Id }): boolean {
  return sameTenant(actor, teacher) && actor.userId.equals(teacher._id);
}

/**
 * An approver answers for the plan's teacher: PD staff for the whole district, a granted approver for
 * the members of their schools and groups (the whole district while they belong to none).
 */
function approvesFor(actor: Actor, plan: PlanSubject): boolean {
  return isApprover(actor) && (actor.roles.has('pdStaff') || !actor.approverScope || actor.approverScope.has(String(plan.userId)));
}

/** A plan is read by its teacher, their coach, the approvers who answer for them and PD staff of the same tenant. */
export function canReadPlan(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return sameTenant(actor, plan) && (owns(actor, plan) || coaches(actor, plan, teacher) || approvesFor(actor, plan) || actor.roles.has('pdStaff'));
}

/** Goals and activities are changed by the plan's teacher while it is a draft or returned. */
export function canEditPlan(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan) && EDITABLE.includes(plan.status);
}

/** The teacher proposes changes to their own approved, running plan while no earlier proposal waits for approval. */
export function canProposeChange(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan) && plan.status === 'active' && plan.change?.status !== 'submitted';
}

/** Goals and activities are added or removed by the teacher: directly in a draft, as a proposed change once approved. */
export function canChangePlan(actor: Actor, plan: PlanSubject): boolean {
  return canEditPlan(actor, plan) || canProposeChange(actor, plan);
}

/** An approver who answers for the teacher approves or returns the changes proposed to someone else's approved plan. */
export function canDecideChange(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && approvesFor(actor, plan) && !owns(actor, plan) && plan.status === 'active' && plan.change?.status === 'submitted';
}

/** The teacher submits their own draft or returned plan. */
export function canSubmitPlan(actor: Actor, plan: PlanSubject): boolean {
  return canEditPlan(actor, plan);
}

/** Progress, evidence and reflections are recorded by the plan's teacher while it is active or in review. */
export function canRecordProgress(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan) && RUNNING.includes(plan.status);
}

/** An approver of the same tenant who answers for the teacher approves or returns a submitted plan that is not their own. */
export function canDecidePlan(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && approvesFor(actor, plan) && !owns(actor, plan) && plan.status === 'submitted';
}

/** The approval queue: approvers only. */
export function canViewApprovalQueue(actor: Actor): boolean {
  return isApprover(actor);
}

/** An approver of the same tenant who answers for the teacher verifies or rejects evidence on someone else's plan. */
export function canVerifyEvidence(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && approvesFor(actor, plan) && !owns(actor, plan);
}

/** Evidence files are downloaded by the teacher, their coach and approvers of the same tenant. */
export function canDownloadEvidence(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return sameTenant(actor, plan) && (owns(actor, plan) || coaches(actor, plan, teacher) || approvesFor(actor, plan));
}

/** A reflection is read by the teacher and their coach; PD staff and approvers only when the teacher shared it. */
export function canReadReflection(actor: Actor, plan: PlanSubject, teacher: TeacherSubject, reflection: { shared?: boolean | null }): boolean {
  return sameTenant(actor, plan) && (owns(actor, plan) || coaches(actor, plan, teacher) || (!!reflection.shared && canReadPlan(actor, plan, teacher)));
}

/** The teacher shares their own reflection with PD staff, or makes it private again. */
export function canShareReflection(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan);
}

/** The coaching thread on a goal is the teacher's and their coach's only: never PD staff's or an approver's. */
export function canReadFeedback(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return sameTenant(actor, plan) && (owns(actor, plan) || coaches(actor, plan, teacher));
}

/** The coaching thread on a goal: the teacher's coach writes, the teacher replies. */
export function canWriteFeedback(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return canReadFeedback(actor, plan, teacher) && plan.status !== 'closed';
}

/** The teacher's coach ticks off coaching-cycle steps while the plan runs. */
export function canTickCoachingStep(actor: Actor, plan: PlanSubject, teacher: TeacherSubject): boolean {
  return sameTenant(actor, plan) && coaches(actor, plan, teacher) && RUNNING.includes(plan.status);
}

/** The teacher writes the review of their own active plan. */
export function canReviewPlan(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan) && plan.status === 'active';
}

/** After a review the teacher renews their plan or carries on with it. */
export function canRenewPlan(actor: Actor, plan: PlanSubject): boolean {
  return sameTenant(actor, plan) && owns(actor, plan) && plan.status === 'in-review';
}

/** Export and data deletion: only the person themselves. */
export function canManageOwnRecord(actor: Actor, person: { tenantId: Id; _id: Id }): boolean {
  return sameTenant(actor, person) && actor.userId.equals(person._id);
}

/** A team goal is seen by the colleagues it was shared with. */
export function canViewGroupGoal(actor: Actor, group: { tenantId: Id; invitedIds: Id[] }): boolean {
  return sameTenant(actor, group) && group.invitedIds.some((id) => actor.userId.equals(id));
}

/** A colleague it was shared with joins a team goal. */
export function canJoinGroupGoal(actor: Actor, group: { tenantId: Id; invitedIds: Id[]; memberIds: Id[] }): boolean {
  return canViewGroupGoal(actor, group) && !group.memberIds.some((id) => actor.userId.equals(id));
}

/** The coach caseload panel: coaches see the plans of the teachers they coach. */
export function canViewCaseload(actor: Actor): boolean {
  return actor.roles.has('coach');
}
