import { Types } from 'mongoose';
import { config } from '../../config';
import { TenantId } from '../../db/tenancy';
import * as groups from '../../groups/service';
import * as plans from '../../plans/service';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import { count } from '../../web/format';
import { digestWeek, wants } from '../rules';
import { emailEnabled } from '../transport';
import type { EmailContent, Recipient } from './compose';
import { enqueueEmail } from './queue';
import { choicesOf } from './preferences';

type Id = Types.ObjectId;

/** The plans an approver answers for (their schools and groups; everyone when they belong to none, or are PD staff). */
async function inScope(tenantId: TenantId, approverId: Id, list: plans.PlanDoc[]): Promise<plans.PlanDoc[]> {
  const pdStaff = (await users.listPdStaff(tenantId)).some((u) => u._id.equals(approverId));
  const scope = pdStaff ? undefined : await groups.approverScope(tenantId, approverId);
  if (!scope) return list.filter((p) => !p.userId.equals(approverId));
  const ids = new Set(scope.map(String));
  return list.filter((p) => ids.has(String(p.userId)) && !p.userId.equals(approverId));
}

async function namesOf(tenantId: TenantId, list: plans.PlanDoc[]): Promise<Map<string, string>> {
  const people = await users.listUsers(tenantId, { ids: list.map((p) => p.userId) });
  return new Map(people.map((u) => [String(u._id), u.name || 'A teacher']));
}

/** This week's digest for one approver: what waits for them; undefined when nothing does. */
export async function digestContent(tenantId: TenantId, to: Recipient): Promise<EmailContent | undefined> {
  const submitted = await inScope(tenantId, to.userId, await plans.submittedPlans(tenantId));
  const changes = await inScope(tenantId, to.userId, await plans.plansWithChangesToApprove(tenantId));
  const evidence = await inScope(tenantId, to.userId, await plans.plansWithEvidenceToVerify(tenantId));
  if (!submitted.length && !changes.length && !evidence.length) return undefined;
  const names = await namesOf(tenantId, [...submitted, ...changes, ...evidence]);
  const item = (p: plans.PlanDoc, what: string) => ({ text: `${names.get(String(p.userId)) ?? 'A teacher'}: ${what}`, path: `/plans/${p._id}` });
  return {
    subject: `Your PD Pathways week: ${count(submitted.length + changes.length, 'plan')} to decide, ${count(evidence.length, 'plan')} with evidence to verify`,
    greeting: `Hello ${to.name || 'there'},`,
    paragraphs: ['Here is what waits for you in PD Pathways this week.'],
    items: [...submitted.map((p) => item(p, 'plan submitted for approval')), ...changes.map((p) => item(p, 'changes proposed to an approved plan')), ...evidence.map((p) => item(p, 'evidence to verify'))],
    action: { label: 'Open the approval queue', path: '/approvals' },
  };
}

/** Everyone who approves under the district's rule (no teacher in particular). */
function approvers(tenantId: TenantId): Promise<users.UserDoc[]> {
  return plans.approversOf(tenantId, new Types.ObjectId());
}

/** The weekly job: on the configured day and hour, queues one digest per approver who wants it (once per week by key). */
export async function queueWeeklyDigests(now = new Date()): Promise<number> {
  const { weekday, hourUtc } = config().email.digest;
  const week = digestWeek(now, weekday, hourUtc);
  if (!week || !emailEnabled()) return 0;
  let queued = 0;
  for (const tenant of await tenants.listTenants()) {
    for (const approver of await approvers(tenant._id)) {
      if (!wants(await choicesOf(tenant._id, approver._id), 'weekly-digest')) continue;
      await enqueueEmail(tenant._id, `digest:${week}:${approver._id}`, { userId: String(approver._id), kind: 'weekly-digest', week }, `Weekly digest for ${approver.name || 'an approver'}`);
      queued++;
    }
  }
  return queued;
}
