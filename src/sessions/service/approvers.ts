import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { TenantId } from '../../db/tenancy';
import * as groups from '../../groups/service';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as users from '../../users/service';
import { money } from '../../web/format';
import type { PdSessionDoc, RegistrationDoc } from '../model';

type Id = Types.ObjectId;

/** Where approvers decide registrations waiting for them. */
export const APPROVALS_PATH = '/session-approvals';

/**
 * The people who may decide a teacher's registration: the plan's approvers by the district's rule
 * (plans.approversOf), granted approvers only for the members of their schools and groups, and PD staff.
 */
export async function registrationDeciders(tenantId: TenantId, teacherId: Id): Promise<users.UserDoc[]> {
  const staff = new Set((await users.listPdStaff(tenantId)).map((u) => String(u._id)));
  const deciders: users.UserDoc[] = [];
  for (const u of await plans.approversOf(tenantId, teacherId)) {
    const scope = staff.has(String(u._id)) ? undefined : await groups.approverScope(tenantId, u._id);
    if (!scope || scope.some((id) => id.equals(teacherId))) deciders.push(u);
  }
  return deciders;
}

/** Tells the deciders that a teacher's seat is held for their approval (once per held seat). */
export async function askApprovers(tenantId: TenantId, session: Pick<PdSessionDoc, '_id' | 'activityId'>, r: Pick<RegistrationDoc, '_id' | 'userId' | 'revision'>): Promise<void> {
  const [teacher, activity] = await Promise.all([users.getUser(tenantId, r.userId), catalog.getActivity(tenantId, session.activityId)]);
  for (const u of await registrationDeciders(tenantId, r.userId)) {
    await notices.notify(tenantId, {
      userId: u._id,
      kind: 'session.approval-requested',
      title: `${teacher.name || 'A teacher'} asks to register for ${activity.title} (${money(activity.cost)})`,
      body: 'The activity costs more than the district lets teachers register for without approval. Their seat is held until you approve or decline.',
      link: APPROVALS_PATH,
      dedupeKey: `session.approval-requested:${r._id}:${r.revision ?? 0}:${u._id}`,
    });
  }
}
