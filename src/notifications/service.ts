import { Types } from 'mongoose';
import { scoped, TenantId } from '../db/tenancy';
import { onlyDuplicateKeys } from '../db/writeErrors';
import { emit, emitAll } from '../events';
import { Notification, NotificationDoc } from './model';

export interface NoticeInput {
  userId: Types.ObjectId;
  kind: string;
  title: string;
  body?: string;
  link?: string;
  celebrate?: boolean;
  dedupeKey?: string;
}

/** Idempotent when a dedupeKey is given: the same milestone is announced once (and emailed once). */
export async function notify(tenantId: TenantId, n: NoticeInput): Promise<void> {
  const noticeId = n.dedupeKey ? await insertOnce(tenantId, n, n.dedupeKey) : (await Notification.create({ tenantId, ...n }))._id;
  if (noticeId) await emit('notice.created', { tenantId, userId: n.userId, noticeId, kind: n.kind, title: n.title });
}

/** The new notice's id, or undefined when one with this key was already there. */
async function insertOnce(tenantId: TenantId, n: NoticeInput, dedupeKey: string): Promise<Types.ObjectId | undefined> {
  const res = await Notification.updateOne(scoped(tenantId, { dedupeKey }), { $setOnInsert: { ...n, createdAt: new Date() } }, { upsert: true });
  return res.upsertedId ? new Types.ObjectId(String(res.upsertedId)) : undefined;
}

/**
 * Several deduplicated notices in one write (a batch of synced completions); each new one is announced as
 * notify() does. A key another process inserted at the same moment is left to it.
 */
export async function notifyEach(tenantId: TenantId, list: (NoticeInput & { dedupeKey: string })[]): Promise<void> {
  if (!list.length) return;
  const writes = list.map((n) => ({ updateOne: { filter: scoped(tenantId, { dedupeKey: n.dedupeKey }), update: { $setOnInsert: { ...n, createdAt: new Date() } }, upsert: true } }));
  const upserted = await Notification.bulkWrite(writes, { ordered: false }).then(
    (res) => res.upsertedIds,
    (err: { result?: { upsertedIds: Record<number, unknown> } }) => {
      if (!onlyDuplicateKeys(err) || !err.result) throw err;
      return err.result.upsertedIds;
    },
  );
  const created = Object.entries(upserted).map(([index, id]) => {
    const n = list[Number(index)]!;
    return { tenantId, userId: n.userId, noticeId: new Types.ObjectId(String(id)), kind: n.kind, title: n.title };
  });
  await emitAll('notice.created', created);
}

export function unread(tenantId: TenantId, userId: Types.ObjectId, limit = 20): Promise<NotificationDoc[]> {
  return Notification.find(scoped(tenantId, { userId, readAt: { $exists: false } })).sort({ createdAt: -1 }).limit(limit).lean<NotificationDoc[]>();
}

export function recent(tenantId: TenantId, userId: Types.ObjectId, limit = 100): Promise<NotificationDoc[]> {
  return Notification.find(scoped(tenantId, { userId })).sort({ createdAt: -1 }).limit(limit).lean<NotificationDoc[]>();
}

export type { NotificationDoc } from './model';

export function findNotice(tenantId: TenantId, id: string): Promise<NotificationDoc | null> {
  return Notification.findOne(scoped(tenantId, { _id: id })).lean<NotificationDoc>();
}

/** Removes every notice of a person (their data-deletion request); returns how many. */
export async function deleteForUser(tenantId: TenantId, userId: Types.ObjectId): Promise<number> {
  return (await Notification.deleteMany(scoped(tenantId, { userId }))).deletedCount;
}

/** Removes everyone's notices that point into these (deleted) plans. */
export async function deleteAboutPlans(tenantId: TenantId, planIds: string[]): Promise<void> {
  if (!planIds.length) return;
  await Notification.deleteMany(scoped(tenantId, { link: { $regex: `^/plans/(${planIds.join('|')})(/|$|\\?)` } }));
}

export async function markRead(tenantId: TenantId, userId: Types.ObjectId, ids: 'all' | Types.ObjectId[]): Promise<void> {
  const filter = ids === 'all' ? { userId, readAt: { $exists: false } } : { userId, _id: { $in: ids } };
  await Notification.updateMany(scoped(tenantId, filter), { $set: { readAt: new Date() } });
}
