import { Types } from 'mongoose';
import type { AuditDirectory, AuditEntryDoc, NameBook } from './audit/service';
import * as catalog from './catalog/service';
import * as credentials from './credentials/service';
import type { TenantId } from './db/tenancy';
import * as frameworks from './frameworks/service';
import * as groups from './groups/service';
import * as pathways from './pathways/service';
import * as plans from './plans/service';
import * as users from './users/service';

// The audit log is written by every feature, so audit/ imports none of them; what its pages need to name
// and filter comes from here, handed to its router by the app.

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** Every id-looking string in an entry's subject and its before/after summaries. */
function idsIn(entries: AuditEntryDoc[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && OBJECT_ID.test(v)) found.add(v);
    else if (v instanceof Types.ObjectId) found.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const e of entries) walk([e.subject?.id, e.before, e.after]);
  return [...found];
}

async function pathwayTitles(tenantId: TenantId, ids: string[]): Promise<[string, string][]> {
  const found = await Promise.all(ids.map((id) => pathways.getPathway(tenantId, id).then((p) => [id, `${p.title} (version ${p.version})`] as [string, string], () => undefined)));
  return found.filter((x): x is [string, string] => !!x);
}

/** Looks every id of these entries up once, per kind of thing, in the tenant. */
async function nameBook(tenantId: TenantId, entries: AuditEntryDoc[]): Promise<NameBook> {
  const ids = idsIn(entries);
  const oids = ids.map((id) => new Types.ObjectId(id));
  const planIds = [...new Set(entries.filter((e) => e.subject?.kind === 'plan').map((e) => e.subject!.id))].filter((id) => OBJECT_ID.test(id));
  const pathwayIds = [...new Set(entries.filter((e) => e.subject?.kind === 'pathway').map((e) => e.subject!.id))].filter((id) => OBJECT_ID.test(id));
  const [people, owners, groupList, activities, badges, fws, paths] = await Promise.all([
    users.listUsers(tenantId, { ids: oids }),
    plans.planOwners(tenantId, planIds.map((id) => new Types.ObjectId(id))),
    groups.listGroups(tenantId),
    catalog.getActivities(tenantId, oids),
    credentials.listAchievements(tenantId, { includeArchived: true }),
    frameworks.listFrameworks(tenantId),
    pathwayTitles(tenantId, pathwayIds),
  ]);
  const book: NameBook = new Map();
  const personName = (u: users.UserDoc) => u.name || u.aliases?.email || 'someone without a name';
  for (const u of people) book.set(String(u._id), personName(u));
  for (const g of groupList) book.set(String(g._id), g.name);
  for (const a of activities) book.set(String(a._id), a.title);
  for (const b of badges) book.set(String(b._id), b.name);
  for (const f of fws) book.set(String(f._id), f.name);
  for (const [id, title] of paths) book.set(id, title);
  const ownerIds = [...new Set([...owners.values()].map(String))].filter((id) => !book.has(id));
  if (ownerIds.length) for (const u of await users.listUsers(tenantId, { ids: ownerIds.map((id) => new Types.ObjectId(id)) })) book.set(String(u._id), personName(u));
  for (const [planId, owner] of owners) book.set(planId, `${book.get(String(owner)) ?? 'a deleted user'}’s plan`);
  return book;
}

/** Everyone by name (or e-mail) whose ids these are. */
async function peopleNames(tenantId: TenantId, ids: Types.ObjectId[]): Promise<Map<string, string>> {
  const people = ids.length ? await users.listUsers(tenantId, { ids }) : [];
  return new Map(people.map((u) => [String(u._id), u.name || u.aliases?.email || 'Unnamed']));
}

export const auditDirectory: AuditDirectory = {
  nameBook,
  peopleNames,
  planIdsOf: async (tenantId, userId) => (await plans.planHistory(tenantId, userId)).map((p) => p._id),
};
