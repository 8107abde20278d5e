// Which emails exist, who gets them by default, and which in-app notice becomes which email. Pure: no I/O.

export const EMAIL_KINDS = [
  'plan-submitted',
  'plan-decisions',
  'sessions',
  'session-reminders',
  'reviews-due',
  'renewals',
  'coaching',
  'outside-pd',
  'milestones',
  'weekly-digest',
  'manager-copies',
  'other',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export interface EmailKindInfo {
  label: string;
  hint: string;
  /** Whether a person who never chose gets it. */
  byDefault: boolean;
}

export const EMAIL_KIND_INFO: Record<EmailKind, EmailKindInfo> = {
  'plan-submitted': { label: 'Plans waiting for my approval', hint: 'A teacher submits a PD plan, proposes changes to an approved one, or registers for a session that needs your approval.', byDefault: true },
  'plan-decisions': { label: 'Decisions on my plan', hint: 'Your plan or your proposed changes are approved, or returned with comments.', byDefault: true },
  sessions: { label: 'My PD session registrations', hint: 'A seat opened for you on a waitlist, your registration was approved or declined, or a session you registered for changed or was cancelled.', byDefault: true },
  'session-reminders': { label: 'Session reminders', hint: 'A PD session you registered for is coming up.', byDefault: true },
  'reviews-due': { label: 'Reviews due', hint: 'Your plan’s annual review is due.', byDefault: true },
  renewals: { label: 'Licence renewal coming due', hint: 'Your renewal cycle ends soon and you still need hours.', byDefault: true },
  coaching: { label: 'Coaching and feedback', hint: 'Feedback on your goals, classroom observations, evidence decisions and needs assessments.', byDefault: true },
  'outside-pd': { label: 'Requests for outside PD', hint: 'Your requests approved, returned, declined, verified or reimbursed; requests, proof and claims waiting for your decision.', byDefault: true },
  milestones: { label: 'Milestones and assignments', hint: 'Goals completed, badges earned, goals and pathways assigned or updated.', byDefault: false },
  'weekly-digest': { label: 'Weekly digest (approvers)', hint: 'Once a week: plans waiting for your approval. Sent only to approvers.', byDefault: true },
  'manager-copies': { label: 'Copies about people I manage', hint: 'A copy of emails about teachers in your school, where the district copies managers.', byDefault: true },
  other: { label: 'Everything else', hint: 'Other notices, such as a course completed in your LMS.', byDefault: false },
};

/** The emails a district may copy managers on: those about a teacher, not a manager's own. */
export const COPYABLE_KINDS: readonly EmailKind[] = ['plan-decisions', 'sessions', 'reviews-due', 'renewals'];

/** Notice kinds (the `kind` of an in-app notice) by their first word, or whole, to the email they become. */
const BY_NOTICE: ReadonlyArray<[RegExp, EmailKind]> = [
  [/^(plan|change)\.submitted$/, 'plan-submitted'],
  [/^(plan|change)\.(approved|returned)$/, 'plan-decisions'],
  [/^session\.reminder$/, 'session-reminders'],
  [/^session\.approval-requested$/, 'plan-submitted'],
  [/^session\./, 'sessions'],
  [/^review\.due$/, 'reviews-due'],
  [/^renewal\./, 'renewals'],
  [/^(feedback|reflection|evidence|observation|assessment|review)(\.|$)/, 'coaching'],
  [/^request\./, 'outside-pd'],
  [/^(goal|badge|credential|pathway|group-goal)\./, 'milestones'],
];

export function emailKindOfNotice(noticeKind: string): EmailKind {
  return BY_NOTICE.find(([pattern]) => pattern.test(noticeKind))?.[1] ?? 'other';
}

/** A person's stored choices (only what they changed) over the defaults. */
export type Choices = Partial<Record<EmailKind, boolean>>;

export function wants(choices: Choices | undefined, kind: EmailKind): boolean {
  return choices?.[kind] ?? EMAIL_KIND_INFO[kind].byDefault;
}

/** Every kind with the person's effective choice. */
export function effectiveChoices(choices: Choices | undefined): Record<EmailKind, boolean> {
  return Object.fromEntries(EMAIL_KINDS.map((k) => [k, wants(choices, k)])) as Record<EmailKind, boolean>;
}

export function isEmailKind(value: unknown): value is EmailKind {
  return typeof value === 'string' && (EMAIL_KINDS as readonly string[]).includes(value);
}

/** An address worth sending to: one @, no spaces or angle brackets (header injection), a dot in the domain. */
export function sendableAddress(address: string | null | undefined): string | undefined {
  const a = address?.trim().toLowerCase();
  return a && a.length <= 254 && /^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$/.test(a) ? a : undefined;
}

/**
 * The week a digest belongs to, as the date (UTC, YYYY-MM-DD) of its send day, once that day's hour has come:
 * one digest per person per week, whichever run (or instance) gets there first.
 */
export function digestWeek(now: Date, weekday: number, hourUtc: number): string | undefined {
  const day = now.getUTCDay();
  if (day !== weekday || now.getUTCHours() < hourUtc) return undefined;
  return now.toISOString().slice(0, 10);
}

const HOUR = 3_600_000;

/** A session is reminded of once it starts within `leadHours` (and has not started). */
export function remindsNow(startsAt: Date, now: Date, leadHours = 24): boolean {
  const ahead = startsAt.getTime() - now.getTime();
  return ahead > 0 && ahead <= leadHours * HOUR;
}

/** Renewal reminders go out when this many days are left, each once per cycle. */
export const RENEWAL_REMINDER_DAYS = [180, 30] as const;

/** The reminder a renewal not yet met is owed now: the smallest threshold its days left have reached. */
export function renewalReminder(daysLeft: number, met: boolean): number | undefined {
  if (met || daysLeft <= 0) return undefined;
  return [...RENEWAL_REMINDER_DAYS].sort((a, b) => a - b).find((d) => daysLeft <= d);
}
