import { z } from 'zod';
import type { TenantId } from '../db/tenancy';
import { count, date } from '../web/format';
import * as plans from './service';

/**
 * What the page says after an action changed something. A POST answers 303 with `?done=<code>`; the
 * page it lands on words the confirmation from the state now stored (who it went to, what was carried).
 */
export const DONE_CODES = ['commitment', 'submitted', 'approved', 'returned', 'reviewed', 'continued', 'renewed', 'goal-added', 'goal-removed', 'change-saved', 'change-withdrawn', 'change-sent', 'change-approved', 'change-returned'] as const;
export type DoneCode = (typeof DONE_CODES)[number];
export const DoneQuery = z.object({ done: z.enum(DONE_CODES).optional().catch(undefined) });

const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
const quoted = (text: string) => `“${text.length > 60 ? `${text.slice(0, 57)}…` : text}”`;

async function sentTo(tenantId: TenantId, plan: plans.PlanDoc): Promise<string> {
  const approvers = await plans.approversOf(tenantId, plan.userId);
  if (!approvers.length) return 'your district’s approvers (nobody holds that role yet: ask your PD office)';
  const names = approvers.slice(0, 4).map((u) => u.name || 'an approver');
  return approvers.length > 4 ? `${names.join(', ')} and ${approvers.length - 4} more approvers` : list(names);
}

function carriedOver(plan: plans.PlanDoc): string {
  const carried = plan.goals.filter((g) => g.origin?.kind === 'carried');
  if (!carried.length) return 'Nothing was carried over: every goal of your previous plan was completed.';
  const open = carried.reduce((s, g) => s + g.activities.length, 0);
  return `Carried over from your previous plan: ${count(carried.length, 'unfinished goal')} (${carried.map((g) => quoted(g.statement)).join(', ')}) with ${count(open, 'activity', 'activities')} not yet done. Done activities and completed goals stay in your previous plan, listed below.`;
}

/** The confirmation for `done` on this plan's page, worded for the person who acted, dates in their locale. */
export async function confirmation(tenantId: TenantId, plan: plans.PlanDoc, teacherName: string, done: DoneCode | undefined, locale: string): Promise<string | undefined> {
  const day = (d: Date) => date(d, locale);
  const teacher = teacherName || 'the teacher';
  switch (done) {
    case undefined:
      return undefined;
    case 'commitment':
      return 'Your time commitment is saved.';
    case 'submitted':
      return plan.status === 'submitted'
        ? `Your plan was sent for approval to ${await sentTo(tenantId, plan)}. You will get a notice when they decide; until then it cannot be changed.`
        : 'Your district does not require approval, so your plan is active now.';
    case 'approved':
      return `You approved ${teacher}’s plan; it is active now and ${teacher} was told.`;
    case 'returned':
      return `You returned the plan to ${teacher} with your comment; ${teacher} was told and can change it and submit again.`;
    case 'reviewed':
      return 'Your review is saved. Continue this plan or renew it for the next period below.';
    case 'continued':
      return `Your plan carries on until ${day(plan.periodEnd)}.`;
    case 'renewed':
      return `Your next plan has started (${day(plan.periodStart)} to ${day(plan.periodEnd)}). ${carriedOver(plan)}`;
    case 'goal-added':
      return 'The goal was added to your plan.';
    case 'goal-removed':
      return 'The goal was removed from your plan.';
    case 'change-saved':
      return 'The change is listed under “Proposed changes”. Your approved plan stays as it is until the changes are sent and approved.';
    case 'change-withdrawn':
      return 'That proposed change was withdrawn.';
    case 'change-sent':
      return plan.change?.status === 'submitted'
        ? `Your proposed changes were sent for approval to ${await sentTo(tenantId, plan)}. Your approved plan stays in force until they decide.`
        : 'Your district does not require approval, so the changes are part of your plan now.';
    case 'change-approved':
      return `You approved the changes to ${teacher}’s plan; they are in force now and ${teacher} was told.`;
    case 'change-returned':
      return `You returned the proposed changes to ${teacher} with your comment; the approved plan stays as it was.`;
  }
}
