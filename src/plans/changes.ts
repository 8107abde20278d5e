import { Types } from 'mongoose';
import { Conflict, Invalid, NotFound } from '../kernel/errors';
import type { ChangeDoc, GoalDoc, PlanActivityDoc, PlanDoc } from './model';

// Changes to an approved plan (pure rules). The teacher's proposed changes are kept in `plan.change`
// beside the approved goals, which stay in force until an approver approves them; then the changes
// are applied to the goals as they are at that moment, so progress made meanwhile is kept.

type Id = Types.ObjectId;
export type Proposal = NonNullable<PlanDoc['change']>;
export interface Proposer {
  userId: Id;
  name: string;
}

export function proposalOf(plan: Pick<PlanDoc, 'change'>): Proposal {
  return plan.change ?? ({ status: 'open', changes: [] } as unknown as Proposal);
}

export function hasPendingChanges(plan: Pick<PlanDoc, 'change'>): boolean {
  return proposalOf(plan).changes.length > 0;
}

/** A goal copy whose activity list can change without touching the original (ids stay ObjectIds). */
const copy = (g: GoalDoc): GoalDoc => ({ ...g, activities: g.activities.map((a) => ({ ...a })) });

/** The goals as they would be with the changes applied (the approved goals are not touched). */
export function applyChanges(goals: GoalDoc[], changes: ChangeDoc[]): GoalDoc[] {
  let out = goals.map(copy);
  for (const c of changes) {
    if (c.kind === 'add-goal' && c.goal && !out.some((g) => g._id.equals(c.goalId))) out.push(copy(c.goal as GoalDoc));
    if (c.kind === 'remove-goal') out = out.filter((g) => !g._id.equals(c.goalId));
    const goal = out.find((g) => g._id.equals(c.goalId));
    if (!goal) continue;
    const added = c.activity as PlanActivityDoc | undefined;
    if (c.kind === 'add-activity' && added && !goal.activities.some((a) => a._id.equals(added._id) || (!!added.activityId && !!a.activityId?.equals(added.activityId)))) goal.activities.push({ ...added });
    if (c.kind === 'remove-activity') goal.activities = goal.activities.filter((a) => !a._id.equals(c.planActivityId ?? undefined));
  }
  return out;
}

export function proposedGoals(plan: Pick<PlanDoc, 'goals' | 'change'>): GoalDoc[] {
  return applyChanges(plan.goals, proposalOf(plan).changes);
}

function openProposal(plan: PlanDoc): Proposal {
  plan.change = proposalOf(plan);
  if (plan.change.status === 'submitted') throw new Conflict('Your proposed changes are waiting for approval; you can propose more once the approver has decided.');
  return plan.change;
}

function record(plan: PlanDoc, change: Omit<ChangeDoc, '_id' | 'at' | 'by' | 'byName'>, by: Proposer): ChangeDoc {
  const full = { _id: new Types.ObjectId(), at: new Date(), by: by.userId, byName: by.name, ...change } as ChangeDoc;
  openProposal(plan).changes.push(full);
  return full;
}

function requireTeacherGoal(goal: Pick<GoalDoc, 'origin'>, doing: string): void {
  if (goal.origin?.kind === 'pathway') throw new Conflict(`This goal was assigned by your district PD office, so you cannot ${doing}; ask them if it needs to change.`);
}

/** A proposed new goal (its activities are added to it while the proposal is open). */
export function proposeGoal(plan: PlanDoc, goal: GoalDoc, maxGoals: number, by: Proposer): ChangeDoc {
  openProposal(plan);
  if (proposedGoals(plan).length >= maxGoals) throw new Invalid(`A plan has at most ${maxGoals} goals; propose removing one first. Nothing was saved.`, { statement: `Your plan would have more than ${maxGoals} goals` });
  return record(plan, { kind: 'add-goal', goalId: goal._id, goal, title: goal.statement }, by);
}

/**
 * A goal the district assigns into an approved plan: it waits for approval beside the approved goals.
 * With no changes of the teacher's open it goes to the approvers at once; otherwise it joins the
 * teacher's proposal and goes when they send it.
 */
export function proposeAssignedGoal(plan: PlanDoc, goal: GoalDoc, by: Proposer): ChangeDoc {
  const proposal = (plan.change = proposalOf(plan));
  const change = { _id: new Types.ObjectId(), at: new Date(), by: by.userId, byName: by.name, kind: 'add-goal', goalId: goal._id, goal, title: goal.statement } as ChangeDoc;
  if (!proposal.changes.length) Object.assign(proposal, { status: 'submitted', submittedAt: new Date() });
  proposal.changes.push(change);
  return change;
}

/** Removing an approved goal; removing a goal that is itself only proposed withdraws that proposal. */
export function proposeGoalRemoval(plan: PlanDoc, goalId: Id, by: Proposer): ChangeDoc | undefined {
  const proposal = openProposal(plan);
  const added = proposal.changes.find((c) => c.kind === 'add-goal' && c.goalId.equals(goalId));
  if (added) return withdraw(plan, added._id);
  const goal = plan.goals.find((g) => g._id.equals(goalId));
  if (!goal) throw new NotFound('That goal');
  requireTeacherGoal(goal, 'remove it');
  if (proposal.changes.some((c) => c.kind === 'remove-goal' && c.goalId.equals(goalId))) return undefined;
  proposal.changes = proposal.changes.filter((c) => !c.goalId.equals(goalId));
  return record(plan, { kind: 'remove-goal', goalId, title: goal.statement }, by);
}

/** An activity for an approved goal, or for a goal proposed in the same proposal. */
export function proposeActivity(plan: PlanDoc, goalId: Id, activity: PlanActivityDoc, by: Proposer): ChangeDoc {
  const proposal = openProposal(plan);
  const target = proposedGoals(plan).find((g) => g._id.equals(goalId));
  if (!target) throw new NotFound('That goal');
  requireTeacherGoal(target, 'change its activities');
  if (activity.activityId && target.activities.some((a) => a.activityId?.equals(activity.activityId!))) throw new Invalid('That activity is already in this goal; nothing was saved.', { activityId: 'Already in this goal' });
  const added = proposal.changes.find((c) => c.kind === 'add-goal' && c.goalId.equals(goalId));
  if (added?.goal) {
    added.goal.activities.push(activity);
    return added;
  }
  return record(plan, { kind: 'add-activity', goalId, planActivityId: activity._id, activity, title: activity.title }, by);
}

/** Removing an approved activity; removing one that is only proposed withdraws it. */
export function proposeActivityRemoval(plan: PlanDoc, goalId: Id, planActivityId: Id, by: Proposer): ChangeDoc | undefined {
  const proposal = openProposal(plan);
  const added = proposal.changes.find((c) => c.kind === 'add-goal' && c.goalId.equals(goalId));
  if (added?.goal) {
    added.goal.activities = added.goal.activities.filter((a) => !a._id.equals(planActivityId));
    return added;
  }
  const pending = proposal.changes.find((c) => c.kind === 'add-activity' && c.planActivityId?.equals(planActivityId));
  if (pending) return withdraw(plan, pending._id);
  const goal = plan.goals.find((g) => g._id.equals(goalId));
  const activity = goal?.activities.find((a) => a._id.equals(planActivityId));
  if (!goal || !activity) throw new NotFound('That activity');
  requireTeacherGoal(goal, 'change its activities');
  if (proposal.changes.some((c) => c.kind === 'remove-activity' && c.planActivityId?.equals(planActivityId))) return undefined;
  return record(plan, { kind: 'remove-activity', goalId, planActivityId, title: activity.title }, by);
}

/** The teacher withdraws one of their proposed changes (district-assigned goals cannot be withdrawn). */
export function withdraw(plan: PlanDoc, changeId: Id): ChangeDoc {
  const proposal = openProposal(plan);
  const change = proposal.changes.find((c) => c._id.equals(changeId));
  if (!change) throw new NotFound('That proposed change');
  if (change.kind === 'add-goal' && change.goal?.origin?.kind === 'pathway') throw new Conflict('This goal was assigned by your district PD office; it waits for approval and cannot be withdrawn.');
  proposal.changes = proposal.changes.filter((c) => !c._id.equals(changeId));
  return change;
}

/** Words for one change, for the teacher, the approver and the audit log. */
export function describeChange(change: Pick<ChangeDoc, 'kind' | 'title' | 'goal'>, goalTitle?: string): string {
  const quoted = `“${change.title}”`;
  if (change.kind === 'add-goal') {
    const n = change.goal?.activities.length ?? 0;
    return `Add the goal ${quoted} with ${n} ${n === 1 ? 'activity' : 'activities'}${change.goal?.origin?.kind === 'pathway' ? ' (assigned by the district)' : ''}`;
  }
  if (change.kind === 'remove-goal') return `Remove the goal ${quoted}`;
  if (change.kind === 'add-activity') return `Add the activity ${quoted}${goalTitle ? ` to “${goalTitle}”` : ''}`;
  return `Remove the activity ${quoted}${goalTitle ? ` from “${goalTitle}”` : ''}`;
}
