import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, FieldErrors, fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as users from '../../users/service';
import * as changes from '../changes';
import { GroupGoal, GroupGoalDoc, Plan, PlanDoc } from '../model';
import { MAX_GOALS, newGoal, teamGoalBlocker, uniqueIds } from '../rules';
import { ChangedBy, ensureDraftPlan, Id, mutatePlan } from './common';
import { GoalInput, goalFieldsOf, validateGoal } from './goals';

// ---------------------------------------------------------------------------------------------
// PLC / team goals

const GroupGoalFields = z.object({ memberIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-f0-9]{24}$/i, 'Choose colleagues from the list')).min(1, 'Choose at least one colleague').max(30, 'At most 30 colleagues')) });

function groupGoalFields(goal: GoalInput) {
  const { rule: _rule, ...fields } = goalFieldsOf(goal);
  return fields;
}

function requireRoomForTeamGoal(plan: PlanDoc): void {
  const blocker = teamGoalBlocker(plan);
  if (blocker) throw new Conflict(`${blocker} Nothing was saved.`);
}

export async function createGroupGoal(tenantId: TenantId, owner: ChangedBy, raw: unknown): Promise<GroupGoalDoc> {
  const plan = await ensureDraftPlan(tenantId, owner.userId, owner);
  requireRoomForTeamGoal(plan);
  const errors: FieldErrors = {};
  let goalInput: GoalInput | undefined;
  try {
    goalInput = await validateGoal(tenantId, plan, raw);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fields);
  }
  const members = GroupGoalFields.safeParse(raw);
  if (!members.success) Object.assign(errors, fieldErrors(members.error));
  if (!goalInput || !members.success) throw new Invalid('The team goal has problems; nothing was saved.', errors);
  const memberIds = uniqueIds(members.data.memberIds.map((id) => new Types.ObjectId(id))).filter((id) => !id.equals(owner.userId));
  if ((await users.listUsers(tenantId, { ids: memberIds })).length !== memberIds.length) throw new Invalid('The team goal has problems; nothing was saved.', { memberIds: 'Choose colleagues from your district' });
  const group = (await GroupGoal.create({ tenantId, ownerId: owner.userId, ownerName: owner.name, ...groupGoalFields(goalInput), invitedIds: [owner.userId, ...memberIds], memberIds: [] })).toObject() as unknown as GroupGoalDoc;
  await audit.record(tenantId, { actor: owner, action: 'group-goal.created', subject: { kind: 'group-goal', id: group._id }, after: { statement: group.statement, invited: memberIds.length } });
  await joinGroupGoal(tenantId, group._id, owner);
  for (const id of memberIds) {
    await notices.notify(tenantId, { userId: id, kind: 'group-goal.shared', title: `${owner.name} shared a team goal with you`, body: group.statement, link: `/team-goals/${group._id}`, dedupeKey: `group-goal.shared:${group._id}:${id}` });
  }
  return (await getGroupGoal(tenantId, group._id))!;
}

export async function getGroupGoal(tenantId: TenantId, id: Id | string): Promise<GroupGoalDoc> {
  const group = Types.ObjectId.isValid(id) ? await GroupGoal.findOne(scoped(tenantId, { _id: id })).lean<GroupGoalDoc>() : null;
  if (!group) throw new NotFound('That team goal');
  return group;
}

/** Team goals shared with this person (created by them or by colleagues). */
export function groupGoalsFor(tenantId: TenantId, userId: Id): Promise<GroupGoalDoc[]> {
  return GroupGoal.find(scoped(tenantId, { invitedIds: userId })).sort({ createdAt: -1 }).lean<GroupGoalDoc[]>();
}

/** A colleague joins a team goal: it is added to their own plan (same groupGoalId); joining twice changes nothing. */
export async function joinGroupGoal(tenantId: TenantId, groupId: Id, member: ChangedBy): Promise<void> {
  const group = await getGroupGoal(tenantId, groupId);
  const plan = await ensureDraftPlan(tenantId, member.userId, member);
  const { result: added } = await mutatePlan(tenantId, plan._id, (p) => {
    if (changes.proposedGoals(p).some((g) => g.groupGoalId?.equals(group._id))) return false;
    requireRoomForTeamGoal(p);
    const goal = newGoal({ statement: group.statement, competency: group.competency, targetLevel: group.targetLevel, measure: group.measure, targetDate: group.targetDate, groupGoalId: group._id });
    // An approved plan takes the team goal as a proposed change, like any other new goal.
    if (p.status === 'active') changes.proposeGoal(p, goal, MAX_GOALS, member);
    else p.goals.push(goal);
    return true;
  });
  await GroupGoal.updateOne(scoped(tenantId, { _id: group._id }), { $addToSet: { memberIds: member.userId } });
  if (added) await audit.record(tenantId, { actor: member, action: 'group-goal.joined', subject: { kind: 'group-goal', id: group._id }, after: { planId: String(plan._id) } });
}

export interface GroupProgress {
  members: { userId: Id; name: string; progress: number; completed: boolean }[];
  average: number;
  completedCount: number;
}

/** Each member's progress on the team goal in their own current plan (never their reflections). */
export async function groupProgress(tenantId: TenantId, group: GroupGoalDoc): Promise<GroupProgress> {
  const [plans, people] = await Promise.all([
    Plan.find(scoped(tenantId, { userId: { $in: group.memberIds }, 'goals.groupGoalId': group._id }), { userId: 1, current: 1, 'goals.groupGoalId': 1, 'goals.progress': 1, 'goals.status': 1 }).sort({ current: -1, periodStart: -1 }).lean<PlanDoc[]>(),
    users.listUsers(tenantId, { ids: group.memberIds }),
  ]);
  const names = new Map(people.map((u) => [String(u._id), u.name || 'Colleague']));
  const seen = new Set<string>();
  const members: GroupProgress['members'] = [];
  for (const plan of plans) {
    const goal = plan.goals.find((g) => g.groupGoalId?.equals(group._id));
    if (!goal || seen.has(String(plan.userId))) continue;
    seen.add(String(plan.userId));
    members.push({ userId: plan.userId, name: names.get(String(plan.userId)) ?? 'Colleague', progress: goal.status === 'completed' ? 1 : goal.progress, completed: goal.status === 'completed' });
  }
  members.sort((a, b) => a.name.localeCompare(b.name));
  const average = members.length ? members.reduce((s, m) => s + m.progress, 0) / members.length : 0;
  return { members, average, completedCount: members.filter((m) => m.completed).length };
}
