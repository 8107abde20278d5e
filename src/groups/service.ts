import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import { scoped, TenantId } from '../db/tenancy';
import type { PlatformFamily } from '../kernel/actor';
import { readCsv } from '../kernel/csv';
import { fieldErrors, Invalid, NotFound } from '../kernel/errors';
import * as users from '../users/service';
import { Group, GROUP_KINDS, GroupDoc, GroupKind } from './model';

export { GROUP_KINDS };
export type { GroupDoc, GroupKind };
type Id = Types.ObjectId;

export interface ChangedBy {
  userId: Id;
  name: string;
}

/** A CSV of members is at most this long (a large school). */
export const MAX_MEMBER_ROWS = 5000;

export const GroupInput = z.object({
  name: z.string('Enter a name').trim().min(2, 'Enter a name of at least 2 characters').max(120, 'Keep the name under 120 characters'),
  kind: z.enum(GROUP_KINDS, 'Choose school, team or cohort'),
  description: z.string().trim().max(1000, 'Keep the description under 1000 characters').default(''),
});
export type GroupInput = z.infer<typeof GroupInput>;

function validateGroup(raw: unknown): GroupInput {
  const parsed = GroupInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The group has problems; nothing was saved.', fieldErrors(parsed.error));
  return parsed.data;
}

const nameTaken = () => new Invalid('The group has problems; nothing was saved.', { name: 'Another group already has this name' });

async function saveOrExplain<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw nameTaken();
    throw err;
  }
}

export async function createGroup(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<GroupDoc> {
  const input = validateGroup(raw);
  const created = await saveOrExplain(() => Group.create({ tenantId, ...input, nameKey: input.name.toLowerCase() }));
  const doc = created.toObject() as unknown as GroupDoc;
  await audit.record(tenantId, { actor: by, action: 'group.created', subject: { kind: 'group', id: doc._id }, after: input });
  return doc;
}

export async function updateGroup(tenantId: TenantId, id: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const input = validateGroup(raw);
  const before = await getGroup(tenantId, id);
  await saveOrExplain(() => Group.updateOne(scoped(tenantId, { _id: id }), { $set: { ...input, nameKey: input.name.toLowerCase() } }));
  await audit.record(tenantId, { actor: by, action: 'group.updated', subject: { kind: 'group', id }, before: { name: before.name, kind: before.kind, description: before.description }, after: input });
}

/** Deleting a group keeps what was assigned through it: people stay enrolled in their pathways. */
export async function deleteGroup(tenantId: TenantId, id: Id, by: ChangedBy): Promise<void> {
  const before = await getGroup(tenantId, id);
  await Group.deleteOne(scoped(tenantId, { _id: id }));
  await audit.record(tenantId, { actor: by, action: 'group.deleted', subject: { kind: 'group', id }, before: { name: before.name, kind: before.kind, members: before.memberIds.length } });
}

export async function getGroup(tenantId: TenantId, id: Id | string): Promise<GroupDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Group.findOne(scoped(tenantId, { _id: id })).lean<GroupDoc>() : null;
  if (!doc) throw new NotFound('That group');
  return doc;
}

export function listGroups(tenantId: TenantId, filter: { kind?: GroupKind } = {}): Promise<GroupDoc[]> {
  return Group.find(scoped(tenantId, filter.kind ? { kind: filter.kind } : {})).sort({ kind: 1, nameKey: 1 }).lean<GroupDoc[]>();
}

/** The groups a person belongs to (an approver's scope, a teacher's school in reports). */
export function groupsOf(tenantId: TenantId, userId: Id): Promise<GroupDoc[]> {
  return Group.find(scoped(tenantId, { memberIds: userId })).sort({ kind: 1, nameKey: 1 }).lean<GroupDoc[]>();
}

/** Everyone in any of these groups, once each. */
/** The people an approver answers for: members of their schools and groups; undefined (everyone) when they belong to none. */
export async function approverScope(tenantId: TenantId, approverId: Id): Promise<Id[] | undefined> {
  const own = await groupsOf(tenantId, approverId);
  return own.length ? memberIdsOf(tenantId, own.map((g) => g._id)) : undefined;
}

export async function memberIdsOf(tenantId: TenantId, groupIds: Id[]): Promise<Id[]> {
  const groups = await Group.find(scoped(tenantId, { _id: { $in: groupIds } }), { memberIds: 1 }).lean<Pick<GroupDoc, 'memberIds'>[]>();
  return uniqueIds(groups.flatMap((g) => g.memberIds));
}

/** Each person's group names, for report rows and the approval queue. */
export async function groupNamesByUser(tenantId: TenantId, userIds: Id[]): Promise<Map<string, string[]>> {
  const groups = await Group.find(scoped(tenantId, { memberIds: { $in: userIds } }), { name: 1, memberIds: 1 }).sort({ kind: 1, nameKey: 1 }).lean<Pick<GroupDoc, 'name' | 'memberIds'>[]>();
  const wanted = new Set(userIds.map(String));
  const names = new Map<string, string[]>();
  for (const g of groups) for (const m of g.memberIds.map(String).filter((id) => wanted.has(id))) names.set(m, [...(names.get(m) ?? []), g.name]);
  return names;
}

function uniqueIds(ids: Id[]): Id[] {
  return [...new Map(ids.map((id) => [String(id), id])).values()];
}

/** Adds people of the tenant to a group (already-members are left as they are); returns how many joined. */
export async function addMembers(tenantId: TenantId, groupId: Id, userIds: Id[], by: ChangedBy): Promise<number> {
  const group = await getGroup(tenantId, groupId);
  const people = await users.listUsers(tenantId, { ids: uniqueIds(userIds) });
  if (people.length !== uniqueIds(userIds).length) throw new NotFound('One of the chosen people');
  const current = new Set(group.memberIds.map(String));
  const joining = people.map((p) => p._id).filter((id) => !current.has(String(id)));
  if (!joining.length) return 0;
  await Group.updateOne(scoped(tenantId, { _id: groupId }), { $addToSet: { memberIds: { $each: joining } } });
  await audit.record(tenantId, { actor: by, action: 'group.members-added', subject: { kind: 'group', id: groupId }, after: { added: joining.length } });
  return joining.length;
}

export async function removeMember(tenantId: TenantId, groupId: Id, userId: Id, by: ChangedBy): Promise<void> {
  const { modifiedCount } = await Group.updateOne(scoped(tenantId, { _id: groupId, memberIds: userId }), { $pull: { memberIds: userId } });
  if (!modifiedCount) throw new NotFound('That member');
  await audit.record(tenantId, { actor: by, action: 'group.member-removed', subject: { kind: 'group', id: groupId }, after: { userId: String(userId) } });
}

export interface MemberImportResult {
  added: number;
  /** People in the file who have not launched PD Pathways yet (created as pending, or still pending). */
  pending: number;
}

/**
 * Adds the people of a CSV (columns email and/or lms_id, optional name) to a group. Every row is
 * checked first: one bad row refuses the whole file. Unknown people become pending users, matched
 * on their first launch.
 */
export async function importMembers(tenantId: TenantId, groupId: Id, csv: string, family: PlatformFamily, by: ChangedBy): Promise<MemberImportResult> {
  await getGroup(tenantId, groupId);
  const rows = readCsv(csv, { maxRows: MAX_MEMBER_ROWS, columns: users.PERSON_COLUMNS }).map((r) => ({ line: r.line, person: users.personFromRow(r.fields, family) }));
  const problems = rows.filter((r) => typeof r.person === 'string');
  if (problems.length) {
    throw new Invalid(`${problems.length} row(s) need attention; nobody was added.`, Object.fromEntries(problems.slice(0, 50).map((r) => [`line ${r.line}`, r.person as string])));
  }
  const people: Awaited<ReturnType<typeof users.ensurePerson>>[] = [];
  for (const { person } of rows as { person: users.PendingPerson }[]) people.push(await users.ensurePerson(tenantId, person));
  const added = await addMembers(tenantId, groupId, people.map((p) => p._id), by);
  return { added, pending: uniqueIds(people.filter((p) => p.status === 'pending').map((p) => p._id)).length };
}

/** A group by name, created when missing (demo data and imports); idempotent. */
export async function ensureGroup(tenantId: TenantId, input: GroupInput): Promise<GroupDoc> {
  const nameKey = input.name.toLowerCase();
  try {
    await Group.updateOne(scoped(tenantId, { nameKey }), { $setOnInsert: { ...input, nameKey, memberIds: [] } }, { upsert: true });
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err; // a concurrent start created it
  }
  return (await Group.findOne(scoped(tenantId, { nameKey })).lean<GroupDoc>())!;
}
