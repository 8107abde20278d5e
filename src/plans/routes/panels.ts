import * as frameworks from '../../frameworks/service';
import * as users from '../../users/service';
import { addHomePanel } from '../../web/homes';
import { addNavItem } from '../../web/nav';
import { canViewApprovalQueue, canViewCaseload } from '../policy';
import { caseloadRow, planFacts, planView } from '../presenter';
import * as plans from '../service';
import { approvalQueue } from './approvals';

/** How many waiting plans (and pieces of evidence) a home's approval panel lists; the queue page lists all. */
const PANEL_ROWS = 10;

/** Its links in the top navigation, and the plan, caseload and approval panels on the homes. */
export function registerPlanPages(): void {
  addNavItem({ label: 'My plan', path: '/plan', section: 'mine', order: 12, visible: () => true });
  addNavItem({ label: 'Team goals', path: '/team-goals', section: 'explore', order: 18, visible: () => true });
  addNavItem({ label: 'Approvals', path: '/approvals', section: 'mine', order: 25, visible: canViewApprovalQueue });
  addHomePanel('teacher', async (actor) => {
    const plan = await plans.currentPlan(actor.tenantId, actor.userId);
    if (!plan) return { order: 10, view: 'plans/teacher-panel', data: { plan: undefined }, facts: { plan: null } };
    const problems = plans.submitProblems(plan, actor.policy);
    const due = plans.reviewDue(plan);
    const view = planView(plan, { teacherName: actor.name, totals: plans.planTotals(plan, actor.policy), competencies: await frameworks.competenciesByCode(actor.tenantId), due, submitProblems: problems });
    const decides = plan.status === 'submitted' || plan.change?.status === 'submitted';
    const approvers = decides ? (await plans.approversOf(actor.tenantId, plan.userId)).map((u) => u.name || 'an approver') : [];
    return { order: 10, view: 'plans/teacher-panel', data: { plan: view }, facts: { plan: planFacts(plan, problems, due, approvers) } };
  });
  addHomePanel('coach', async (actor) => {
    if (!canViewCaseload(actor)) return undefined;
    const teachers = await users.caseload(actor.tenantId, actor.userId);
    const current = new Map((await plans.plansForUsers(actor.tenantId, teachers.map((t) => t._id))).filter((p) => p.current).map((p) => [String(p.userId), p]));
    const rows = teachers.map((t) => {
      const plan = current.get(String(t._id));
      return caseloadRow(t, plan, plan && plans.reviewDue(plan));
    });
    const caseload = { teachers: rows.length, withoutPlan: rows.filter((r) => !r.planId).length, reviewsDue: rows.filter((r) => r.reviewDue).length };
    return { order: 10, view: 'plans/coach-panel', data: { rows }, facts: { caseload } };
  });
  for (const kind of ['coach', 'staff'] as const) {
    addHomePanel(kind, async (actor) => {
      if (!canViewApprovalQueue(actor)) return undefined;
      // A home shows the oldest few; the approval queue page lists them all.
      const queue = await approvalQueue(actor, PANEL_ROWS);
      const data = { submitted: queue.submitted, evidence: queue.evidence, morePlans: queue.counts.plans - queue.submitted.length, moreEvidence: queue.counts.evidence - queue.evidence.length };
      return { order: 11, view: 'plans/approvals-panel', data, facts: { toDecide: queue.counts } };
    });
  }
}
