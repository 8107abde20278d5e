import { Types } from 'mongoose';
import { scoped, TenantId } from '../db/tenancy';
import type { PlatformFamily } from '../kernel/actor';
import { COACH_ROLE_URIS, PD_STAFF_ROLE_URIS } from '../lti/message/roles';
import { Invalid, NotFound } from '../kernel/errors';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import { Grant, GRANTS, User, UserDoc } from './model';

export { GRANTS };
export type { Grant, UserDoc };

export interface LaunchIdentity {
  sub: string;
  contextId?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  roles: string[];
  canvasId?: string;
  moodleId?: string;
  sourcedId?: string;
}

function aliasValues(id: LaunchIdentity): Partial<Record<'email' | 'canvasId' | 'moodleId' | 'sourcedId', string>> {
  const values = { email: id.email?.toLowerCase(), canvasId: id.canvasId, moodleId: id.moodleId, sourcedId: id.sourcedId };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !!v));
}

function aliasSet(id: LaunchIdentity): Record<string, string> {
  return Object.fromEntries(Object.entries(aliasValues(id)).map(([k, v]) => [`aliases.${k}`, v as string]));
}

function profileSet(id: LaunchIdentity): Record<string, unknown> {
  const set: Record<string, unknown> = { launchRoles: id.roles, lastLaunchAt: new Date(), status: 'active' };
  if (id.name) set.name = id.name;
  if (id.givenName) set.givenName = id.givenName;
  if (id.familyName) set.familyName = id.familyName;
  return { ...set, ...aliasSet(id) };
}

/** A person created from a roster or CSV before their first launch, matched by any alias. */
async function claimPending(tenantId: TenantId, id: LaunchIdentity): Promise<UserDoc | null> {
  const aliases = Object.entries(aliasSet(id)).map(([k, v]) => ({ [k]: v }));
  if (aliases.length === 0) return null;
  const update = launchUpdate(id);
  return User.findOneAndUpdate(
    scoped(tenantId, { status: 'pending', sub: { $exists: false }, $or: aliases }),
    { ...update, $set: { ...update.$set, sub: id.sub } },
    { new: true },
  ).lean<UserDoc>();
}

export interface LaunchedUser {
  user: UserDoc;
  /** True when this launch taught us an identifier we did not have (first launch, new alias). */
  learnedAliases: boolean;
}

function launchUpdate(id: LaunchIdentity) {
  return { $set: profileSet(id), ...(id.contextId ? { $addToSet: { contextIds: id.contextId } } : {}) };
}

/** The document a launch update produced, built from the one before it (saves a read per launch). */
function afterLaunch(before: UserDoc, id: LaunchIdentity): UserDoc {
  const contextIds = id.contextId && !before.contextIds.includes(id.contextId) ? [...before.contextIds, id.contextId] : before.contextIds;
  return {
    ...before,
    name: id.name || before.name,
    givenName: id.givenName || before.givenName,
    familyName: id.familyName || before.familyName,
    status: 'active',
    launchRoles: id.roles,
    lastLaunchAt: new Date(),
    aliases: { ...before.aliases, ...aliasValues(id) },
    contextIds,
  };
}

/** Creates or refreshes the user of a launch, claiming a pending roster entry when one matches. */
export async function upsertFromLaunch(tenantId: TenantId, id: LaunchIdentity): Promise<LaunchedUser> {
  const before = await User.findOneAndUpdate(scoped(tenantId, { sub: id.sub }), launchUpdate(id), { new: false }).lean<UserDoc>();
  if (before) {
    const user = afterLaunch(before, id);
    return { user, learnedAliases: aliasesDiffer(before, user) };
  }
  const claimed = await claimPending(tenantId, id);
  return { user: claimed ?? (await createBySub(tenantId, id)), learnedAliases: true };
}

async function createBySub(tenantId: TenantId, id: LaunchIdentity): Promise<UserDoc> {
  const run = () => User.findOneAndUpdate(scoped(tenantId, { sub: id.sub }), launchUpdate(id), { upsert: true, new: true }).lean<UserDoc>();
  try {
    return (await run())!;
  } catch (err) {
    // Two first launches of one person raced on the unique (tenantId, sub) index: the other one created it.
    if ((err as { code?: number }).code === 11000) return (await run())!;
    throw err;
  }
}

function aliasesDiffer(a: UserDoc, b: UserDoc): boolean {
  const keys = ['canvasId', 'moodleId', 'email', 'sourcedId'] as const;
  return keys.some((k) => (a.aliases?.[k] ?? null) !== (b.aliases?.[k] ?? null));
}

export async function getUser(tenantId: TenantId, userId: Types.ObjectId | string): Promise<UserDoc> {
  const user = await User.findOne(scoped(tenantId, { _id: userId })).lean<UserDoc>();
  if (!user) throw new NotFound('That person');
  return user;
}

export function findBySub(tenantId: TenantId, sub: string): Promise<UserDoc | null> {
  return User.findOne(scoped(tenantId, { sub })).lean<UserDoc>();
}

/** People of the tenant with these LTI subjects who have launched PD Pathways (not pending), by name. */
export function launchedBySubs(tenantId: TenantId, subs: string[]): Promise<UserDoc[]> {
  return User.find(scoped(tenantId, { sub: { $in: subs }, status: 'active' })).sort({ name: 1 }).lean<UserDoc[]>();
}

export type AliasKind = 'sub' | 'canvasId' | 'moodleId' | 'email' | 'sourcedId';

const aliasField = (kind: AliasKind) => (kind === 'sub' ? 'sub' : `aliases.${kind}`);
/** An identifier as stored: emails lower-cased and trimmed. */
export const aliasValue = (kind: AliasKind, value: string) => (kind === 'email' ? value.toLowerCase().trim() : value);

/** Finds the person an LMS identifier belongs to (completion events, CSV rows, rosters). */
export function findByAlias(tenantId: TenantId, kind: AliasKind, value: string): Promise<UserDoc | null> {
  return User.findOne(scoped(tenantId, { [aliasField(kind)]: aliasValue(kind, value) })).lean<UserDoc>();
}

/** The people any of these identifiers of one kind belong to, in one query (a batch of completion events). */
export function findByAliases(tenantId: TenantId, kind: AliasKind, values: string[]): Promise<UserDoc[]> {
  return User.find(scoped(tenantId, { [aliasField(kind)]: { $in: values.map((v) => aliasValue(kind, v)) } })).lean<UserDoc[]>();
}

export function listUsers(tenantId: TenantId, filter: { grant?: Grant; ids?: Types.ObjectId[]; contextId?: string } = {}): Promise<UserDoc[]> {
  const q: Record<string, unknown> = {};
  if (filter.grant) q.grants = filter.grant;
  if (filter.ids) q._id = { $in: filter.ids };
  if (filter.contextId) q.contextIds = filter.contextId;
  return User.find(scoped(tenantId, q)).sort({ name: 1 }).lean<UserDoc[]>();
}

/** These people as a list shows them: name, email and whether they have launched yet (none of the rest). */
export type PersonName = Pick<UserDoc, '_id' | 'name' | 'status'> & { aliases?: Pick<NonNullable<UserDoc['aliases']>, 'email'> };
export function namesOf(tenantId: TenantId, ids: Types.ObjectId[]): Promise<PersonName[]> {
  return User.find(scoped(tenantId, { _id: { $in: ids } }), { name: 1, status: 1, 'aliases.email': 1 }).lean<PersonName[]>();
}

/** The people of the tenant who have not launched PD Pathways yet (added by a roster or an assignment). */
export async function pendingPeople(tenantId: TenantId): Promise<Set<string>> {
  return new Set((await User.find(scoped(tenantId, { status: 'pending' }), { _id: 1 }).lean<{ _id: Types.ObjectId }[]>()).map((u) => String(u._id)));
}

export type { ChangedBy };

export async function setGrants(tenantId: TenantId, userId: Types.ObjectId, grants: Grant[], by: ChangedBy): Promise<UserDoc> {
  const before = await User.findOneAndUpdate(scoped(tenantId, { _id: userId }), { $set: { grants } }).lean<UserDoc>();
  if (!before) throw new NotFound('That person');
  await audit.record(tenantId, { actor: by, action: 'person.roles-changed', subject: { kind: 'user', id: userId }, before: { grants: before.grants }, after: { grants } });
  return { ...before, grants };
}

export async function setCoaches(tenantId: TenantId, userId: Types.ObjectId, coachIds: Types.ObjectId[], by?: ChangedBy): Promise<UserDoc> {
  const coaches = await User.countDocuments(scoped(tenantId, { _id: { $in: coachIds } }));
  if (coaches !== coachIds.length) throw new NotFound('One of the chosen coaches');
  const before = await User.findOneAndUpdate(scoped(tenantId, { _id: userId }), { $set: { coachIds } }).lean<UserDoc>();
  if (!before) throw new NotFound('That person');
  await audit.record(tenantId, { actor: by, action: 'person.coaches-changed', subject: { kind: 'user', id: userId }, before: { coaches: before.coachIds.map(String) }, after: { coaches: coachIds.map(String) } });
  return { ...before, coachIds };
}

/** People who hold a role by grant, or by an LTI role in their latest launch. */
function holders(tenantId: TenantId, grant: Grant, roleUris: string[]): Promise<UserDoc[]> {
  return User.find(scoped(tenantId, { $or: [{ grants: grant }, { launchRoles: { $in: roleUris } }] })).sort({ name: 1 }).lean<UserDoc[]>();
}

/** People who can coach: the coach grant, or a Mentor role. */
export function listCoaches(tenantId: TenantId): Promise<UserDoc[]> {
  return holders(tenantId, 'coach', COACH_ROLE_URIS);
}

/** District PD staff: the PD-staff grant, or an institution/system Administrator role. */
export function listPdStaff(tenantId: TenantId): Promise<UserDoc[]> {
  return holders(tenantId, 'pdStaff', PD_STAFF_ROLE_URIS);
}

/** Teachers a coach is assigned to. */
export function caseload(tenantId: TenantId, coachId: Types.ObjectId): Promise<UserDoc[]> {
  return User.find(scoped(tenantId, { coachIds: coachId })).sort({ name: 1 }).lean<UserDoc[]>();
}

function searchFilter(text: string): Record<string, unknown> {
  const q = text.trim();
  return q ? { $or: [{ name: { $regex: escapeRegex(q), $options: 'i' } }, { 'aliases.email': { $regex: escapeRegex(q), $options: 'i' } }] } : {};
}

export function searchUsers(tenantId: TenantId, text: string, limit = 200, skip = 0): Promise<UserDoc[]> {
  return User.find(scoped(tenantId, searchFilter(text))).sort({ name: 1, _id: 1 }).skip(skip).limit(limit).lean<UserDoc[]>();
}

export function countUsers(tenantId: TenantId, text: string): Promise<number> {
  return User.countDocuments(scoped(tenantId, searchFilter(text)));
}

/** People added by PD staff (a pathway assignment or CSV) who have not launched PD Pathways yet. */
export function countPending(tenantId: TenantId): Promise<number> {
  return User.countDocuments(scoped(tenantId, { status: 'pending' }));
}

/** The email domains of people who have launched (a new person's domain outside them is suspect). */
export async function knownEmailDomains(tenantId: TenantId): Promise<Set<string>> {
  const emails = (await User.distinct('aliases.email', scoped(tenantId, { status: 'active' }))) as string[];
  return new Set(emails.filter(Boolean).map((e) => e.split('@')[1] ?? '').filter(Boolean));
}

export interface GrantChange {
  grant: Grant;
  change: 'add' | 'remove';
}

/** Adds or removes one role for several people (each change audited); says who changed and who already was so. */
export async function changeGrant(tenantId: TenantId, userIds: Types.ObjectId[], c: GrantChange, by: ChangedBy): Promise<{ changed: UserDoc[]; unchanged: UserDoc[] }> {
  const people = await listUsers(tenantId, { ids: userIds });
  if (people.length !== new Set(userIds.map(String)).size) throw new NotFound('One of the chosen people');
  const changed: UserDoc[] = [];
  const unchanged: UserDoc[] = [];
  for (const person of people) {
    // Conditional and atomic: a role changed meanwhile by someone else is neither lost nor doubled.
    const update = c.change === 'add' ? { $addToSet: { grants: c.grant } } : { $pull: { grants: c.grant } };
    const filter = c.change === 'add' ? { _id: person._id, grants: { $ne: c.grant } } : { _id: person._id, grants: c.grant };
    const before = await User.findOneAndUpdate(scoped(tenantId, filter), update).lean<UserDoc>();
    if (!before) {
      unchanged.push(person);
      continue;
    }
    const grants = c.change === 'add' ? [...before.grants, c.grant] : before.grants.filter((g) => g !== c.grant);
    await audit.record(tenantId, { actor: by, action: 'person.roles-changed', subject: { kind: 'user', id: person._id }, before: { grants: before.grants }, after: { grants } });
    changed.push({ ...before, grants });
  }
  return { changed, unchanged };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface PendingPerson {
  name: string;
  email?: string;
  sub?: string;
  canvasId?: string;
  moodleId?: string;
  sourcedId?: string;
}

/** The columns of a file that names people (group members, assignments). */
export const PERSON_COLUMNS = { required: [['email', 'lms_id']], optional: ['name'] };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The person a CSV row names by email and/or LMS user id (the platform's own numeric id), as
 * users.ensurePerson takes it; a string says what is wrong with the row.
 */
export function personFromRow(fields: Record<string, string>, family: PlatformFamily): PendingPerson | string {
  const email = fields.email?.toLowerCase();
  const lmsId = fields.lms_id;
  if (!email && !lmsId) return 'Give an email or an LMS id';
  if (email && !EMAIL.test(email)) return `“${fields.email}” is not an email address`;
  if (lmsId && !/^[\w.:@-]{1,64}$/.test(lmsId)) return `“${lmsId}” is not an LMS user id`;
  return { name: fields.name || email || lmsId || '', ...(email ? { email } : {}), ...(lmsId ? { [lmsIdField(family)]: lmsId } : {}) };
}

/** Which alias an `lms_id` column holds on this platform family (the platform's own user id). */
const lmsIdField = (family: PlatformFamily) => (family === 'canvas' ? 'canvasId' : family === 'moodle' ? 'moodleId' : 'sourcedId');

/** A person's `lms_id` as our CSV files read and write it ('' when unknown). */
export function lmsIdOf(user: Pick<UserDoc, 'aliases'>, family: PlatformFamily): string {
  return user.aliases?.[lmsIdField(family)] ?? '';
}

/**
 * A person known from a roster, CSV or seed before their first launch: found by any identifier we
 * already have, else created as pending. The first launch claims the record (upsertFromLaunch).
 */
export async function ensurePerson(tenantId: TenantId, p: PendingPerson): Promise<UserDoc> {
  const ids = Object.entries({ sub: p.sub, 'aliases.email': p.email?.toLowerCase().trim(), 'aliases.canvasId': p.canvasId, 'aliases.moodleId': p.moodleId, 'aliases.sourcedId': p.sourcedId })
    .filter(([, v]) => !!v)
    .map(([k, v]) => ({ [k]: v }));
  if (ids.length === 0) throw new Invalid('A person needs an email or an LMS id.');
  const existing = await User.findOne(scoped(tenantId, { $or: ids })).lean<UserDoc>();
  if (existing) return existing;
  const created = await User.create({
    tenantId,
    status: 'pending',
    name: p.name,
    ...(p.sub ? { sub: p.sub } : {}),
    aliases: { email: p.email, canvasId: p.canvasId, moodleId: p.moodleId, sourcedId: p.sourcedId },
  });
  return created.toObject() as unknown as UserDoc;
}
