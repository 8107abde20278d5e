import { TenantId } from '../db/tenancy';
import * as requests from '../requests/service';
import * as users from '../users/service';
import type { DemoDistrict } from './district';

const DAY = 86_400_000;
const day = (inDays: number) => new Date(Date.now() + inDays * DAY).toISOString().slice(0, 10);

/** The district's outside-PD budget for this school year (the next school year's is added by PD staff). */
export const DEMO_BUDGET = { name: 'Title II, Part A', amount: '25000' };

/**
 * A Title II budget and two of teacher2's requests, made through the same services as the pages: a
 * conference the principal step and the PD office approved (its cost committed, an activity in the
 * plan, proof of attendance awaited) and an online course waiting at the first step, so PD staff's
 * queue has something to decide. Nobody holds Approver in the demo, so PD staff decide both steps.
 * Made once per district (when it has no budget yet).
 */
export async function seedDemoRequests(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const person = async (key: string) => users.findBySub(tenantId, district.roster.users[key]?.sub ?? '');
  const [lead, teacher] = await Promise.all([person('pdlead'), person('teacher2')]);
  if (!lead || !teacher || (await requests.listBudgets(tenantId)).length) return;
  const goal = (await requests.goalChoices(tenantId, teacher._id))[0];
  if (!goal) return;
  const staff = { userId: lead._id, name: lead.name };
  const by = { userId: teacher._id, name: teacher.name };
  const schoolYear = requests.schoolYearOf(new Date());
  const budget = await requests.addBudget(tenantId, { ...DEMO_BUDGET, schoolYear }, staff);
  const ask = (fields: Record<string, string>) => requests.submitRequest(tenantId, { creditType: 'clock-hours', budgetId: String(budget._id), goalId: String(goal.goalId), ...fields }, by);

  const conference = await ask({ kind: 'conference', title: 'Midwest Assessment for Learning Conference', provider: 'Midwest Assessment Association', startsOn: day(-9), endsOn: day(-8), hours: '12', registration: '425', travel: '310', substitute: '180' });
  await requests.decideStep(tenantId, conference._id, { decision: 'approve', comment: 'A good fit for your formative assessment goal.' }, staff);
  await requests.decideStep(tenantId, conference._id, { decision: 'approve', comment: 'Approved from Title II. Keep your receipts for the claim.' }, staff);
  await ask({ kind: 'online-course', title: 'Feedback That Moves Learning Forward', provider: 'State University Extension', startsOn: day(21), endsOn: day(63), hours: '15', registration: '350', travel: '0', substitute: '0' });
}
