import { Types } from 'mongoose';
import * as groups from '../../groups/service';
import { courseRoster } from '../../lti/services/nrps';
import type { PlatformFamily } from '../../kernel/actor';
import { Conflict, Invalid, NotFound } from '../../kernel/errors';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import { TenantId } from '../../db/tenancy';
import { AssignmentBatch, AssignmentBatchDoc, PathwayDoc } from '../model';
import { parseDueDate } from '../rules';
import { ChangedBy, Id } from './common';
import { alreadyOn } from './enrolments';
import { getPathway } from './versions';

// Assignment batches: who gets which pathway, previewed, then applied row by row (running.ts)

export interface AssignTarget {
  kind: 'people' | 'group' | 'course' | 'csv';
  label: string;
  groupId?: Id;
  contextId?: string;
  role?: string;
}

export interface PlannedRow {
  line?: number;
  userId?: Id;
  person?: users.PendingPerson;
  /** Why a new person's identifier looks wrong (shown on the preview). */
  warning?: string;
  displayName: string;
  assignment: number;
  alreadyEnrolled: boolean;
}

export type PlannedAssignment = { pathway: PathwayDoc; dueAt?: Date; target: AssignTarget };

function assignablePathway(p: PathwayDoc): PathwayDoc {
  if (p.status !== 'published') throw new Conflict('Only the published version of a pathway can be assigned; publish the draft first.');
  return p;
}

export async function saveBatch(tenantId: TenantId, label: string, assignments: PlannedAssignment[], rows: PlannedRow[], by: ChangedBy): Promise<AssignmentBatchDoc> {
  const created = await AssignmentBatch.create({
    tenantId,
    label,
    assignments: assignments.map((a) => ({ _id: new Types.ObjectId(), pathwayId: a.pathway._id, dueAt: a.dueAt, target: a.target })),
    rows,
    total: rows.length,
    createdBy: by,
  });
  return created.toObject() as unknown as AssignmentBatchDoc;
}

function dueDateOrThrow(raw: unknown): Date | undefined {
  const due = parseDueDate(raw);
  if (typeof due === 'string') throw new Invalid('The assignment has problems; nothing was assigned.', { dueAt: due });
  return due;
}

async function knownPeopleBatch(tenantId: TenantId, p: PathwayDoc, people: { _id: Id; name?: string | null }[], dueAt: Date | undefined, target: AssignTarget, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const on = await alreadyOn(tenantId, [p.slug], people.map((u) => u._id));
  const rows = people.map((u) => ({ userId: u._id, displayName: u.name || 'Unnamed', assignment: 0, alreadyEnrolled: on.has(`${p.slug}:${u._id}`) }));
  return saveBatch(tenantId, target.label, [{ pathway: p, dueAt, target }], rows, by);
}

/** Assigning to chosen people of the tenant. */
export async function planForPeople(tenantId: TenantId, pathwayId: Id, userIds: Id[], rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  if (!userIds.length) throw new Invalid('Choose at least one person; nothing was assigned.', { userIds: 'Choose at least one person' });
  const people = await users.listUsers(tenantId, { ids: userIds });
  if (people.length !== new Set(userIds.map(String)).size) throw new NotFound('One of the chosen people');
  const label = people.length === 1 ? people[0]!.name || 'One person' : `${people.length} people`;
  return knownPeopleBatch(tenantId, p, people, dueAt, { kind: 'people', label }, by);
}

/** Assigning to everyone in a school, team or cohort (its members today). */
export async function planForGroup(tenantId: TenantId, pathwayId: Id, groupId: Id, rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  const group = await groups.getGroup(tenantId, groupId);
  if (!group.memberIds.length) throw new Invalid(`${group.name} has no members yet; nothing was assigned.`, { groupId: 'This group has no members' });
  const people = await users.listUsers(tenantId, { ids: group.memberIds });
  return knownPeopleBatch(tenantId, p, people, dueAt, { kind: 'group', label: group.name, groupId }, by);
}

function personFromMember(m: { sub: string; name: string; email?: string; sourcedId?: string }, family: PlatformFamily): users.PendingPerson {
  return { name: m.name, sub: m.sub, ...(m.email ? { email: m.email } : {}), ...(m.sourcedId ? { sourcedId: m.sourcedId } : {}), ...(family === 'moodle' ? { moodleId: m.sub } : {}) };
}

/** The course's roster from the LMS (NRPS, every page), optionally one role only. */
async function rosterOf(tenantId: TenantId, contextId: string, role: string | undefined) {
  const course = await tenants.findContext(tenantId, contextId);
  if (!course) throw new NotFound('That course');
  if (!course.nrps?.url) throw new Invalid(`${course.title || 'This course'} has not shared its roster with PD Pathways; nothing was assigned.`, { contextId: 'The LMS did not offer this course’s roster (Names and Role Provisioning) at launch' });
  const { members } = await courseRoster(tenantId, course.nrps.url, { role });
  if (!members.length) throw new Invalid('Nobody in that course has that role; nothing was assigned.', { role: 'Nobody in the course has this role' });
  return { course, members };
}

/** Assigning to a course roster read from the LMS, optionally one role only; previewed first. */
export async function planForCourse(tenantId: TenantId, pathwayId: Id, contextId: string, role: string | undefined, rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  const { course, members } = await rosterOf(tenantId, contextId, role);
  const family = (await tenants.getTenant(tenantId)).family as PlatformFamily;
  const known = await Promise.all(members.map((m) => users.findBySub(tenantId, m.sub)));
  const on = await alreadyOn(tenantId, [p.slug], known.flatMap((u) => (u ? [u._id] : [])));
  const rows = members.map((m, i) => {
    const user = known[i];
    return user
      ? { userId: user._id, displayName: user.name || m.name, assignment: 0, alreadyEnrolled: on.has(`${p.slug}:${user._id}`) }
      : { person: personFromMember(m, family), displayName: m.name, assignment: 0, alreadyEnrolled: false };
  });
  const label = `${course.label || course.title || 'Course'}${role ? ` (${role.replace(/.*#/, '')})` : ''}`;
  return saveBatch(tenantId, label, [{ pathway: p, dueAt, target: { kind: 'course', label, contextId, role } }], rows, by);
}
