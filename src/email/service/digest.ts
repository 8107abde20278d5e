import { Types } from 'mongoose';
import { config } from '../../config';
import { TenantId } from '../../db/tenancy';
import * as catalog from '../../catalog/service';
import * as groups from '../../groups/service';
import * as plans from '../../plans/service';
import * as sessions from '../../sessions/service';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import { count } from '../../web/format';
import { digestWeek, wants } from '../rules';
import { emailEnabled } from '../transport';
import type { EmailContent, Recipient } from './compose';
import { enqueueEmail } from './queue';
import { choicesOf } from './preferences';

type Id = Types.ObjectId;

/** The teachers an approver answers for (their schools and groups), or undefined for everyone (PD staff, or in no group). */
async function scopeOf(tenantId: TenantId, approverId: Id): Promise<Set<string> | undefined> {
  const pdStaff = (await users.listPdStaff(tenantId)).some((u) => u._id.equals(approverId));
  const scope = pdStaff ? undefined : await groups.approverScope(tenantId, approverId);
  return scope ? new Set(scope.map(String)) : undefined;
}

/** What is about the teachers in scope, never about the approver themselves. */
function inScope<T>(scope: Set<string> | undefined, approverId: Id, list: T[], personOf: (item: T) => Id): T[] {
  return list.filter((item) => !personOf(item).equals(approverId) && (!scope || scope.has(String(personOf(item)))));
}

async function namesOf(tenantId: TenantId, userIds: Id[]): Promise<Map<string, string>> {
  const people = await users.namesOf(tenantId, userIds);
  return new Map(people.map((u) => [String(u._id), u.name || 'A teacher']));
}

/** This week's digest for one approver: what waits for them (plans, evidence, session seats held for approval); undefined when nothing does. */
export async function digestContent(tenantId: TenantId, to: Recipient): Promise<EmailContent | undefined> {
  const scope = await scopeOf(tenantId, to.userId);
  const ofPlan = (p: Pick<plans.PlanDoc, 'userId'>) => p.userId;
  const submitted = inScope(scope, to.userId, await plans.submittedPlans(tenantId), ofPlan);
  const changes = inScope(scope, to.userId, await plans.plansWithChangesToApprove(tenantId), ofPlan);
  const evidence = inScope(scope, to.userId, await plans.plansWithEvidenceToVerify(tenantId), ofPlan);
  const seats = inScope(scope, to.userId, await sessions.awaitingApproval(tenantId), (s) => s.registration.userId);
  if (!submitted.length && !changes.length && !evidence.length && !seats.length) return undefined;
  const names = await namesOf(tenantId, [...submitted, ...changes, ...evidence].map(ofPlan).concat(seats.map((s) => s.registration.userId)));
  const activities = await catalog.activitiesById(tenantId, seats.map((s) => s.session.activityId));
  const nameOf = (userId: Id) => names.get(String(userId)) ?? 'A teacher';
  const item = (p: Pick<plans.PlanDoc, '_id' | 'userId'>, what: string) => ({ text: `${nameOf(p.userId)}: ${what}`, path: `/plans/${p._id}` });
  const seat = ({ registration, session }: sessions.PendingRegistration) => ({ text: `${nameOf(registration.userId)}: a seat held for your approval in ${activities.get(String(session.activityId))?.title ?? 'a session'}`, path: sessions.APPROVALS_PATH });
  const toDecide = `${count(submitted.length + changes.length, 'plan')}${seats.length ? ` and ${count(seats.length, 'session seat')}` : ''} to decide`;
  return {
    subject: `Your PD Pathways week: ${toDecide}, ${count(evidence.length, 'plan')} with evidence to verify`,
    greeting: `Hello ${to.name || 'there'},`,
    paragraphs: ['Here is what waits for you in PD Pathways this week.'],
    items: [...submitted.map((p) => item(p, 'plan submitted for approval')), ...changes.map((p) => item(p, 'changes proposed to an approved plan')), ...evidence.map((p) => item(p, 'evidence to verify')), ...seats.map(seat)],
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
