import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { isDuplicateKey } from '../../db/writeErrors';
import { EmailPreference, EmailSettings } from '../model';
import { Choices, COPYABLE_KINDS, EMAIL_KINDS, EmailKind, isEmailKind } from '../rules';

type Id = Types.ObjectId;
interface ChangedBy {
  userId: Id;
  name: string;
}

/** What the person changed from the defaults (an empty object for someone who never chose). */
export async function choicesOf(tenantId: TenantId, userId: Id): Promise<Choices> {
  return choicesIn(await EmailPreference.findOne(scoped(tenantId, { userId })).lean<{ choices?: Record<string, boolean> }>());
}

/** The stored choices of known kinds (a kind no longer offered is ignored). */
function choicesIn(doc: { choices?: Record<string, boolean> } | null): Choices {
  return Object.fromEntries(Object.entries(doc?.choices ?? {}).filter(([k]) => isEmailKind(k))) as Choices;
}

/** The choices of many people at once (someone who never chose is missing: the defaults). */
export async function choicesOfEach(tenantId: TenantId, userIds: Id[]): Promise<Map<string, Choices>> {
  const docs = await EmailPreference.find(scoped(tenantId, { userId: { $in: userIds } })).lean<{ userId: Id; choices?: Record<string, boolean> }[]>();
  return new Map(docs.map((d) => [String(d.userId), choicesIn(d)]));
}

/** Saves every kind's choice from the preferences page. */
export async function saveChoices(tenantId: TenantId, userId: Id, wanted: ReadonlySet<EmailKind>, by: ChangedBy): Promise<void> {
  const choices = Object.fromEntries(EMAIL_KINDS.map((k) => [k, wanted.has(k)]));
  await EmailPreference.updateOne(scoped(tenantId, { userId }), { $set: { choices } }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'email.preferences-saved', subject: { kind: 'user', id: userId }, after: { off: EMAIL_KINDS.filter((k) => !wanted.has(k)) } });
}

/** One kind off (an unsubscribe link); false when it was already off. */
export async function turnOff(tenantId: TenantId, userId: Id, kind: EmailKind): Promise<boolean> {
  const res = await EmailPreference.updateOne(scoped(tenantId, { userId, [`choices.${kind}`]: { $ne: false } }), { $set: { [`choices.${kind}`]: false } }, { upsert: true }).catch((err: unknown) => {
    // The upsert met the person's existing document, where the kind is already off.
    if (isDuplicateKey(err)) return { modifiedCount: 0, upsertedCount: 0 };
    throw err;
  });
  const changed = res.modifiedCount + res.upsertedCount > 0;
  if (changed) await audit.record(tenantId, { system: 'unsubscribe link', action: 'email.unsubscribed', subject: { kind: 'user', id: userId }, after: { kind } });
  return changed;
}

/** The district's setting: which emails about a teacher are copied to their managers. */
export async function copyManagersOn(tenantId: TenantId): Promise<EmailKind[]> {
  const doc = await EmailSettings.findOne(scoped(tenantId, { of: 'district' })).lean<{ copyManagersOn?: string[] }>();
  return (doc?.copyManagersOn ?? []).filter(isEmailKind).filter((k) => COPYABLE_KINDS.includes(k));
}

export async function saveCopyManagersOn(tenantId: TenantId, kinds: EmailKind[], by: ChangedBy): Promise<void> {
  const before = await copyManagersOn(tenantId);
  const after = kinds.filter((k) => COPYABLE_KINDS.includes(k));
  await EmailSettings.updateOne(scoped(tenantId, { of: 'district' }), { $set: { copyManagersOn: after } }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'email.settings-saved', subject: { kind: 'tenant', id: tenantId }, before: { copyManagersOn: before }, after: { copyManagersOn: after } });
}

/** A deleted person's choices go with their data. */
export async function forgetChoices(tenantId: TenantId, userId: Id): Promise<void> {
  await EmailPreference.deleteMany(scoped(tenantId, { userId }));
}
