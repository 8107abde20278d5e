/**
 * Email: every in-app notice also goes out as an email where the person wants it, through the outbox and
 * SMTP (nodemailer); approvers' weekly digest; managers' copies; preferences and one-click unsubscribe.
 */
export { EMAIL_KIND_INFO, EMAIL_KINDS, COPYABLE_KINDS, effectiveChoices, isEmailKind } from '../rules';
export type { EmailKind } from '../rules';
export { emailEnabled, smtpTarget, useSmtpServer, verifySmtp } from '../transport';
export type { SmtpTarget } from '../transport';
export { choicesOf, copyManagersOn, forgetChoices, saveChoices, saveCopyManagersOn, turnOff } from './preferences';
export { deliverEmail, forgetSent, managersOf, queueNoticeEmails, sentTo } from './delivery';
export { queueWeeklyDigests } from './digest';
export { sendReminders } from './reminders';
export { readUnsubscribe, signUnsubscribe } from './tokens';
export type { Unsubscribe } from './tokens';
export { openLink } from './compose';
