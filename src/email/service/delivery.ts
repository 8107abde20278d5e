import { Types } from 'mongoose';
import { byTenant, scoped, TenantId } from '../../db/tenancy';
import type { DomainEvents } from '../../events';
import * as groups from '../../groups/service';
import { NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as outbox from '../../outbox/service';
import type { Delivery, OutboxMessageDoc } from '../../outbox/service';
import { uniqueIds } from '../../kernel/ids';
import * as users from '../../users/service';
import { SentEmail } from '../model';
import { EmailKind, emailKindOfNotice, sendableAddress, wants } from '../rules';
import { emailEnabled, send } from '../transport';
import { compose, EmailContent, Recipient } from './compose';
import { digestContent } from './digest';
import { choicesOf, choicesOfEach, copyManagersOn } from './preferences';
import { EmailPayload, emailMessage } from './queue';

type Id = Types.ObjectId;

async function wantsEmail(tenantId: TenantId, userId: Id, kind: EmailKind): Promise<boolean> {
  return wants(await choicesOf(tenantId, userId), kind);
}

/** A teacher's managers: people granted Approver who belong to one of the teacher's schools. */
export async function managersOf(tenantId: TenantId, teacherId: Id): Promise<users.UserDoc[]> {
  const schools = (await groups.groupsOf(tenantId, teacherId)).filter((g) => g.kind === 'school');
  if (!schools.length) return [];
  const members = new Set(schools.flatMap((g) => g.memberIds.map(String)));
  return (await users.listUsers(tenantId, { grant: 'approver' })).filter((u) => members.has(String(u._id)) && !u._id.equals(teacherId));
}

/**
 * notice.created, a batch at a time: each person's email of their notice, and their managers' copies where the
 * district copies managers on that kind. The people's choices and the district's setting are read once per batch.
 */
export async function queueNoticeEmails(events: DomainEvents['notice.created'][]): Promise<void> {
  if (!emailEnabled()) return;
  for (const [tenantId, mine] of byTenant(events)) {
    const choices = await choicesOfEach(tenantId, uniqueIds(mine.map((e) => e.userId)));
    const copied = await copyManagersOn(tenantId);
    const messages: outbox.EnqueueInput[] = [];
    for (const e of mine) {
      const kind = emailKindOfNotice(e.kind);
      const label = `Email about “${e.title}”`;
      if (wants(choices.get(String(e.userId)) ?? {}, kind)) messages.push(emailMessage(`email:${e.noticeId}:${e.userId}`, { userId: String(e.userId), kind, noticeId: String(e.noticeId) }, label));
      if (!copied.includes(kind)) continue;
      for (const manager of await managersOf(tenantId, e.userId)) {
        if (!(await wantsEmail(tenantId, manager._id, 'manager-copies'))) continue;
        messages.push(emailMessage(`email:${e.noticeId}:${manager._id}`, { userId: String(manager._id), kind: 'manager-copies', noticeId: String(e.noticeId), aboutUserId: String(e.userId) }, `Copy of ${label}`));
      }
    }
    await outbox.enqueueAll(tenantId, messages);
  }
}

async function recipientOf(tenantId: TenantId, userId: string): Promise<Recipient | string> {
  const user = await users.getUser(tenantId, userId).catch((err) => {
    if (err instanceof NotFound) return undefined;
    throw err;
  });
  if (!user) return 'The person is no longer in PD Pathways';
  const address = sendableAddress(user.aliases?.email);
  if (!address) return 'The LMS has not shared an email address for this person';
  return { tenantId, userId: user._id, name: user.name, address };
}

async function noticeContent(tenantId: TenantId, to: Recipient, p: EmailPayload): Promise<EmailContent | undefined> {
  const notice = await notices.findNotice(tenantId, p.noticeId!);
  if (!notice) return undefined;
  const about = p.aboutUserId ? await users.getUser(tenantId, p.aboutUserId).catch(() => undefined) : undefined;
  if (p.aboutUserId && !about) return undefined;
  return {
    subject: about ? `[Copy] ${about.name || 'A teacher'}: ${notice.title}` : notice.title,
    greeting: `Hello ${to.name || 'there'},`,
    paragraphs: [about ? `${about.name || 'A teacher'} in your school was told in PD Pathways:` : '', notice.title, notice.body ?? ''].filter(Boolean),
    action: notice.link && !about ? { label: 'Open it in PD Pathways', path: notice.link } : undefined,
    note: about ? 'Your district copies managers on these emails.' : undefined,
  };
}

async function contentFor(tenantId: TenantId, to: Recipient, p: EmailPayload): Promise<EmailContent | undefined> {
  if (p.week) return digestContent(tenantId, to);
  return noticeContent(tenantId, to, p);
}

/**
 * The `email` delivery: checks the person still wants it, writes it, sends it through SMTP and records it
 * as sent. A retry of a message the server already accepted finds the record and sends nothing.
 */
export async function deliverEmail(message: OutboxMessageDoc): Promise<Delivery> {
  const tenantId = message.tenantId;
  const p = EmailPayload.parse(message.payload);
  if (await SentEmail.exists(scoped(tenantId, { key: message.key }))) return { outcome: 'done' };
  const to = await recipientOf(tenantId, p.userId);
  if (typeof to === 'string') return { outcome: 'not-applicable', reason: to };
  if (!(await wantsEmail(tenantId, to.userId, p.kind))) return { outcome: 'not-applicable', reason: 'They turned this email off' };
  const content = await contentFor(tenantId, to, p);
  if (!content) return { outcome: 'not-applicable', reason: 'Nothing to send: the notice is gone, or the digest is empty' };
  const email = await compose(to, p.kind, message.key, content);
  await send(email);
  await SentEmail.create({ tenantId, key: message.key, userId: to.userId, to: to.address, subject: email.subject, messageId: email.messageId }).catch((err: { code?: number }) => {
    if (err.code !== 11000) throw err;
  });
  return { outcome: 'done' };
}

/** How many emails went to this person (their data page, tests). */
export function sentTo(tenantId: TenantId, userId: Id) {
  return SentEmail.find(scoped(tenantId, { userId })).sort({ sentAt: -1 }).lean();
}

/** A deleted person's sent-email records go with their data. */
export async function forgetSent(tenantId: TenantId, userId: Id): Promise<void> {
  await SentEmail.deleteMany(scoped(tenantId, { userId }));
}
