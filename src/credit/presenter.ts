import { csvText } from '../kernel/csv';
import type { PlatformFamily } from '../kernel/actor';
import { lmsIdOf } from '../users/service';
import { count, isoDate, money } from '../web/format';
import { amountOf, Award, CLOCK_HOURS, CreditKind, DayPeriod, RenewalStatus, roundCredit, StoredAward, sumMoney, totalsByType, totalsByYear } from './rules';
import type { Certificate, CreditRecordDoc, KeptPerson, PersonRenewal, Renewal, RenewalRuleDoc, StipendPayment, Transcript } from './service';

/** One person's kept credit on the PD-staff page. */
export function keptRow(p: KeptPerson) {
  return {
    userId: String(p.userId),
    name: p.name || 'A former teacher',
    email: p.email ?? '',
    activities: count(p.activities, 'activity', 'activities'),
    hours: `${Math.round(p.hours * 10) / 10} h`,
    cost: money(p.cost),
    keptSince: isoDate(p.keptAt),
    /** A day for `time()`; '' when kept until PD staff delete it. */
    keptUntil: p.untilDeleted ? '' : isoDate(p.keptUntil),
  };
}

type Kinds = readonly CreditKind[];
const STATUS_TEXT: Record<RenewalStatus, string> = { met: 'Requirements met', 'on-track': 'On track', behind: 'Behind' };

/** "2.5 CEUs" — an amount with its type's name (an unknown key stands for itself). */
export function creditText(a: StoredAward, kinds: Kinds): string {
  const name = kinds.find((k) => k.key === a.typeKey)?.name ?? a.typeKey;
  return `${roundCredit(a.amount ?? 0)} ${name}`;
}

export const awardsText = (awards: readonly StoredAward[], kinds: Kinds) => awards.map((a) => creditText(a, kinds)).join(', ');

/** A credit type on the settings page. */
export function kindRow(k: CreditKind) {
  return { key: k.key, name: k.name, conversion: k.key === CLOCK_HOURS ? 'The hours of each activity' : `${roundCredit(k.clockHoursPerUnit)} clock ${k.clockHoursPerUnit === 1 ? 'hour' : 'hours'} = 1` };
}

/** A renewal rule as one sentence: "175 CTLE hours every 5 years; at least 26.25 in ELL". */
export function ruleText(rule: Pick<RenewalRuleDoc, 'required' | 'creditType' | 'years' | 'minimums'>, kinds: Kinds): string {
  const main = `${creditText({ typeKey: rule.creditType, amount: rule.required }, kinds)} every ${count(rule.years, 'year')}`;
  return [main, ...rule.minimums.map((m) => `at least ${roundCredit(m.amount)} in ${m.category}`)].join('; ');
}

/** Progress to a renewal, for the teacher's home and the PD-staff list. */
export function renewalView(r: Renewal, kinds: Kinds) {
  const p = r.progress;
  const unit = kinds.find((k) => k.key === r.rule.creditType)?.name ?? r.rule.creditType;
  return {
    rule: r.rule.name,
    ruleText: ruleText(r.rule, kinds),
    status: p.status,
    statusText: STATUS_TEXT[p.status],
    earned: `${p.earned} of ${p.required} ${unit}`,
    percent: p.required ? Math.min(100, Math.round((p.earned / p.required) * 100)) : 100,
    remaining: p.remaining ? `${p.remaining} ${unit} to go` : 'Nothing left to earn',
    expected: `${p.expectedByNow} ${unit} by now at an even pace`,
    cycleStart: isoDate(p.cycle.start),
    dueOn: isoDate(p.cycle.end),
    daysLeft: count(p.daysLeft, 'day'),
    minimums: p.minimums.map((m) => ({ category: m.category, text: `${m.earned} of ${m.required} ${unit} in ${m.category}`, met: m.met })),
  };
}

export function personRenewalRow(r: PersonRenewal, kinds: Kinds) {
  return { userId: String(r.user._id), name: r.user.name || r.user.aliases?.email || 'Unnamed', email: r.user.aliases?.email ?? '', pending: r.user.status === 'pending', ...renewalView(r, kinds) };
}

const SOURCE_LABELS: Record<string, string> = { manual: 'Marked done by the teacher', evidence: 'Verified evidence', lms: 'LMS sync', csv: 'CSV import', webhook: 'LMS webhook', attendance: 'Attendance', 'outside-pd': 'Outside PD, proof verified' };
const sourceLabel = (s: string) => SOURCE_LABELS[s] ?? s;

/** One completion on a transcript. */
function transcriptLine(r: CreditRecordDoc, kinds: Kinds) {
  return { id: String(r._id), completedOn: isoDate(r.completedAt), title: r.title, provider: r.provider, source: sourceLabel(r.source), credit: awardsText(r.awards, kinds), awards: r.awards };
}

const totalsText = (totals: Award[], kinds: Kinds) => (totals.length ? awardsText(totals, kinds) : 'None');

/** The transcript page, PDF and CSV: completions oldest first, totals per year, per renewal cycle and overall. */
export function transcriptView(t: Transcript, toolUrl: string) {
  const lines = t.records.map((r) => transcriptLine(r, t.kinds));
  const cycle = t.renewal?.progress.cycle;
  return {
    teacher: { id: String(t.person._id), name: t.person.name || t.person.aliases?.email || 'Unnamed', email: t.person.aliases?.email ?? '' },
    district: t.district,
    issuedOn: isoDate(t.issuedAt),
    verifyUrl: `${toolUrl}${t.verifyPath}`,
    lines,
    years: totalsByYear(t.records).map((y) => ({ year: y.year, totals: totalsText(y.totals, t.kinds) })),
    total: totalsText(totalsByType(t.records), t.kinds),
    cycle: cycle && t.renewal
      ? { rule: t.renewal.rule.name, start: isoDate(cycle.start), end: isoDate(cycle.end), totals: totalsText(totalsByType(t.records.filter((r) => r.completedAt >= cycle.start && r.completedAt < cycle.end)), t.kinds), progress: renewalView(t.renewal, t.kinds) }
      : undefined,
  };
}

export type TranscriptView = ReturnType<typeof transcriptView>;

/** The CSV download: one row per completion, one column per credit type. */
export function transcriptCsv(view: TranscriptView, kinds: Kinds): string {
  return csvText(view.lines, [
    { header: 'completed_on', value: (l) => l.completedOn },
    { header: 'activity', value: (l) => l.title },
    { header: 'provider', value: (l) => l.provider },
    { header: 'recorded_by', value: (l) => l.source },
    ...kinds.map((k) => ({ header: k.name, value: (l: (typeof view.lines)[number]) => amountOf(l.awards, k.key) })),
  ]);
}

/** A certificate of completion, on the PDF and the public verify page. */
export function certificateView(c: Certificate, toolUrl: string) {
  return {
    district: c.district,
    teacher: c.person.name || c.person.aliases?.email || 'Unnamed',
    activity: c.record.title,
    provider: c.record.provider,
    completedOn: isoDate(c.record.completedAt),
    credit: awardsText(c.record.awards, c.kinds),
    verifyUrl: `${toolUrl}${c.verifyPath}`,
  };
}

export type CertificateView = ReturnType<typeof certificateView>;

/** The stipend report: each teacher (by name) with their stipends oldest first and their total, and the district's total. */
export function stipendReportView(period: DayPeriod, payments: StipendPayment[], family: PlatformFamily) {
  const people = new Map<string, { userId: string; name: string; email: string; lmsId: string; sisId: string; payments: { id: string; activity: string; activityId: string; completedOn: string; amount: number }[] }>();
  for (const { record, person } of payments) {
    const key = String(record.userId);
    const row = people.get(key) ?? { userId: key, name: person?.name || person?.aliases?.email || 'A former teacher', email: person?.aliases?.email ?? '', lmsId: person ? lmsIdOf(person, family) : '', sisId: person?.aliases?.sourcedId ?? '', payments: [] };
    row.payments.push({ id: String(record._id), activity: record.title, activityId: record.activityId ? String(record.activityId) : '', completedOn: isoDate(record.completedAt), amount: record.stipend });
    people.set(key, row);
  }
  const teachers = [...people.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)).map((t) => ({ ...t, total: sumMoney(t.payments.map((p) => p.amount)) }));
  return { period, teachers, payments: payments.length, total: sumMoney(payments.map((p) => p.record.stipend)) };
}

export type StipendReportView = ReturnType<typeof stipendReportView>;

/** The payroll file: one row per stipend payment, columns fixed; payment_id is the completion's and never changes. */
export function stipendCsv(view: StipendReportView): string {
  const rows = view.teachers.flatMap((t) => t.payments.map((p) => ({ t, p })));
  return csvText(rows, [
    { header: 'payment_id', value: (r) => r.p.id },
    { header: 'teacher', value: (r) => r.t.name },
    { header: 'email', value: (r) => r.t.email },
    { header: 'lms_id', value: (r) => r.t.lmsId },
    { header: 'sis_id', value: (r) => r.t.sisId },
    { header: 'activity', value: (r) => r.p.activity },
    { header: 'activity_id', value: (r) => r.p.activityId },
    { header: 'completed_on', value: (r) => r.p.completedOn },
    { header: 'amount', value: (r) => r.p.amount.toFixed(2) },
  ]);
}
