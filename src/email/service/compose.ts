import crypto from 'node:crypto';
import path from 'node:path';
import ejs from 'ejs';
import { Types } from 'mongoose';
import { config } from '../../config';
import { VIEWS_DIR } from '../../paths';
import { EMAIL_KIND_INFO, EmailKind } from '../rules';
import { Outgoing } from '../transport';
import { signUnsubscribe } from './tokens';

/** What an email says, before it is dressed as text and HTML (views/email/message.*.ejs). */
export interface EmailContent {
  subject: string;
  greeting: string;
  paragraphs: string[];
  items?: { text: string; path?: string }[];
  /** The page in PD Pathways it is about, e.g. /plans/…: the link leads there through the LMS. */
  action?: { label: string; path: string };
  /** Why they got it, beyond the kind's own wording (a manager's copy). */
  note?: string;
}

export interface Recipient {
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  name: string;
  address: string;
}

/**
 * A link that works outside the LMS: it carries no session, only the page it is about. The tool's
 * /email/open page tells the person to open PD Pathways from their LMS and where to go from there.
 */
export function openLink(tenantId: Types.ObjectId, pagePath: string): string {
  return `${config().publicUrl}/email/open/${tenantId}?to=${encodeURIComponent(pagePath)}`;
}

/** Stable per message key: a mail system that sees the same message twice can tell. */
function messageId(tenantId: Types.ObjectId, key: string): string {
  const host = new URL(config().publicUrl).hostname || 'pd-pathways';
  return `<${crypto.createHash('sha256').update(`${tenantId}:${key}`).digest('hex').slice(0, 32)}@${host}>`;
}

/** Subjects are one line: a newline in a notice title must never start a header. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim().slice(0, 200);

export async function compose(to: Recipient, kind: EmailKind, key: string, content: EmailContent): Promise<Outgoing> {
  const unsubscribeUrl = `${config().publicUrl}/email/unsubscribe?token=${await signUnsubscribe({ tenantId: to.tenantId, userId: to.userId, kind })}`;
  const model = {
    ...content,
    items: content.items?.map((i) => ({ text: i.text, url: i.path ? openLink(to.tenantId, i.path) : undefined })) ?? [],
    action: content.action ? { label: content.action.label, url: openLink(to.tenantId, content.action.path) } : undefined,
    kindLabel: EMAIL_KIND_INFO[kind].label,
    preferencesUrl: openLink(to.tenantId, '/email/preferences'),
    unsubscribeUrl,
    toolName: config().lti.toolName,
  };
  const render = (file: string) => ejs.renderFile(path.join(VIEWS_DIR, 'email', file), model, { cache: true });
  return {
    from: config().email.from,
    to: to.name ? `"${to.name.replace(/["\\\r\n]/g, '')}" <${to.address}>` : to.address,
    subject: oneLine(content.subject),
    text: await render('message.txt.ejs'),
    html: await render('message.html.ejs'),
    messageId: messageId(to.tenantId, key),
    // RFC 2369 and RFC 8058: mail clients offer "Unsubscribe", and may POST it in one click.
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
