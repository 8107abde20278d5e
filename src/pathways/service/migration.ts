import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as users from '../../users/service';
import { Conflict } from '../../kernel/errors';
import { Enrolment, EnrolmentDoc, PathwayDoc } from '../model';
import { migrationLine, MigrationLine as Line, PathwayRule, updateSummary } from '../rules';
import { ChangedBy, Id } from './common';

// Moving people to the current version

export type MigrationLine = Line<EnrolmentDoc>;

/** What moving each person on an older version to the current one would change in their plan. */
export async function migrationPreview(tenantId: TenantId, target: PathwayDoc): Promise<MigrationLine[]> {
  if (target.status !== 'published') throw new Conflict('People can only be moved to the published version.');
  const behind = await Enrolment.find(scoped(tenantId, { slug: target.slug, version: { $lt: target.version } })).sort({ enrolledAt: 1 }).lean<EnrolmentDoc[]>();
  if (!behind.length) return [];
  const userIds = behind.map((e) => e.userId);
  const [people, theirPlans, activities] = await Promise.all([
    users.listUsers(tenantId, { ids: userIds }),
    plans.plansForUsers(tenantId, userIds),
    catalog.getActivities(tenantId, target.steps.map((s) => s.activityId)),
  ]);
  const names = new Map(people.map((u) => [String(u._id), u.name || 'Unnamed']));
  const titles = new Map(activities.map((a) => [String(a._id), a.title]));
  return behind.map((e) => {
    const current = theirPlans.find((p) => p.userId.equals(e.userId) && p.current && p.goals.some((g) => g.origin?.assignmentKey === e.assignmentKey));
    const goal = current?.goals.find((g) => g.origin?.assignmentKey === e.assignmentKey);
    return migrationLine(e, names.get(String(e.userId)) ?? 'Unnamed', goal, target, titles);
  });
}

/** Moves the chosen people to the published version: their goal gets its steps and rule; done steps that remain stay done. */
export async function migrate(tenantId: TenantId, target: PathwayDoc, userIds: Id[], by: ChangedBy): Promise<{ migrated: number; skipped: number }> {
  const chosen = new Set(userIds.map(String));
  const lines = (await migrationPreview(tenantId, target)).filter((l) => chosen.has(String(l.enrolment.userId)));
  let migrated = 0;
  for (const l of lines.filter((x) => x.inPlan)) {
    await plans.migrateAssignedGoal(tenantId, l.enrolment.userId, l.enrolment.assignmentKey, {
      version: target.version,
      rule: (target.rule as PathwayRule) ?? { kind: 'all' },
      activities: target.steps.map((s) => ({ activityId: s.activityId, required: s.required ?? true })),
    });
    const { modifiedCount } = await Enrolment.updateOne(scoped(tenantId, { _id: l.enrolment._id, version: l.fromVersion }), { $set: { version: target.version, pathwayId: target._id, migratedAt: new Date() } });
    migrated += modifiedCount;
    if (modifiedCount) await notices.notify(tenantId, { userId: l.enrolment.userId, kind: 'pathway.updated', title: `Your pathway “${target.title}” was updated`, body: updateSummary(l), link: '/pathways/mine', dedupeKey: `pathway.updated:${l.enrolment._id}:${target.version}` });
  }
  await audit.record(tenantId, { actor: by, action: 'pathway.migrated', subject: { kind: 'pathway', id: target._id }, after: { version: target.version, migrated, skipped: lines.length - migrated } });
  return { migrated, skipped: lines.length - migrated };
}
