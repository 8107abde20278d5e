import { STATUS_LABELS } from '../plans/service';
import { count, date, isoDate, money } from '../web/format';
import { csvText } from '../kernel/csv';
import type { CourseParticipantRow, CourseProgress, Headline, ReportKey, ReportSet } from './model';
import type { QueueRow, QueueStatus } from './service';

/** Colours with enough contrast on white, told apart by more than hue (charts also have tables). */
const PALETTE = ['#1f5f8b', '#d97b12', '#2e7d4f', '#8a3b8f', '#b42318', '#5b6675'];

export interface ChartSpec {
  id: string;
  type: 'bar' | 'doughnut';
  /** A sentence for screen readers; the table after the chart has the numbers. */
  summary: string;
  labels: string[];
  datasets: { label: string; data: number[]; backgroundColor: string | string[] }[];
  horizontal?: boolean;
  stacked?: boolean;
}

interface Column<R> {
  header: string;
  value: (row: R) => string | number;
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** The CSV value when the table shows it formatted (money). */
  raw?: (row: R) => number;
  /** An ISO calendar day: the CSV keeps it, the page writes it in the reader's locale. */
  day?: boolean;
}

interface ReportDefinition<R> {
  title: string;
  description: string;
  empty: string;
  columns: Column<R>[];
  chart: (rows: R[]) => Omit<ChartSpec, 'id'> | undefined;
}

type Rows<K extends ReportKey> = ReportSet[K][number];

const SOURCE_LABELS: Record<string, string> = { lms: 'LMS sync', webhook: 'LMS webhook', csv: 'CSV import', evidence: 'Verified evidence', manual: 'Marked done by the teacher' };
const yes = (b: boolean) => (b ? 'yes' : 'no');
const pct = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–');

function bars(summary: string, labels: string[], series: { label: string; data: number[] }[], opts: { horizontal?: boolean; stacked?: boolean } = {}): Omit<ChartSpec, 'id'> {
  return { type: 'bar', summary, labels, datasets: series.map((s, i) => ({ ...s, backgroundColor: PALETTE[i % PALETTE.length]! })), ...opts };
}

const DEFINITIONS: { [K in ReportKey]: ReportDefinition<Rows<K>> } = {
  participation: {
    title: 'Participation and completion by pathway',
    description: 'People who joined each pathway in the period and where they are now.',
    empty: 'Nobody joined a pathway in this period.',
    columns: [
      { header: 'Pathway', value: (r) => r.title },
      { header: 'Enrolled', value: (r) => r.enrolled, numeric: true },
      { header: 'Completed', value: (r) => r.completed, numeric: true },
      { header: 'In progress', value: (r) => r.inProgress, numeric: true },
      { header: 'Not started', value: (r) => r.notStarted, numeric: true },
      { header: 'Overdue', value: (r) => r.overdue, numeric: true },
      { header: 'Completion rate', value: (r) => pct(r.completed, r.enrolled), numeric: true },
    ],
    chart: (rows) =>
      bars('Stacked bars per pathway: completed, in progress and not started.', rows.map((r) => r.title), [
        { label: 'Completed', data: rows.map((r) => r.completed) },
        { label: 'In progress', data: rows.map((r) => r.inProgress) },
        { label: 'Not started', data: rows.map((r) => r.notStarted) },
      ], { stacked: true, horizontal: true }),
  },
  schools: {
    title: 'Schools and groups',
    description: 'Pathway enrolments and completions in the period, planned load and spend of current plans, per year.',
    empty: 'No schools or groups yet: add them under Groups.',
    columns: [
      { header: 'School or group', value: (r) => r.name },
      { header: 'Kind', value: (r) => r.kind },
      { header: 'Members', value: (r) => r.members, numeric: true },
      { header: 'Pathway enrolments', value: (r) => r.enrolled, numeric: true },
      { header: 'Pathways completed', value: (r) => r.pathwaysCompleted, numeric: true },
      { header: 'Planned hours per year', value: (r) => r.plannedHoursPerYear, numeric: true },
      { header: 'Planned spend per year', value: (r) => money(r.plannedCostPerYear), raw: (r) => r.plannedCostPerYear, numeric: true },
      { header: 'Hours done', value: (r) => r.hoursDone, numeric: true },
      { header: 'Plans over a cap', value: (r) => r.overCap, numeric: true },
    ],
    chart: (rows) =>
      bars('Bars per school: pathway enrolments and completions.', rows.map((r) => r.name), [
        { label: 'Pathway enrolments', data: rows.map((r) => r.enrolled) },
        { label: 'Pathways completed', data: rows.map((r) => r.pathwaysCompleted) },
      ]),
  },
  competencies: {
    title: 'By competency',
    description: 'Goals in current plans per competency, and pathway enrolments in the period that build it.',
    empty: 'No goals or pathways name a competency yet.',
    columns: [
      { header: 'Code', value: (r) => r.code },
      { header: 'Competency', value: (r) => r.name },
      { header: 'Teachers with a goal', value: (r) => r.teachers, numeric: true },
      { header: 'Goals', value: (r) => r.goals, numeric: true },
      { header: 'Goals completed', value: (r) => r.goalsCompleted, numeric: true },
      { header: 'Pathway enrolments', value: (r) => r.pathwayEnrolments, numeric: true },
    ],
    chart: (rows) =>
      bars('Bars per competency: goals, goals completed and pathway enrolments.', rows.map((r) => r.name), [
        { label: 'Goals', data: rows.map((r) => r.goals) },
        { label: 'Goals completed', data: rows.map((r) => r.goalsCompleted) },
        { label: 'Pathway enrolments', data: rows.map((r) => r.pathwayEnrolments) },
      ]),
  },
  caps: {
    title: 'Hours and spend against caps',
    description: 'Every current plan’s planned hours and cost per year against the district caps.',
    empty: 'No current plans.',
    columns: [
      { header: 'Teacher', value: (r) => r.name },
      { header: 'School or group', value: (r) => r.groups },
      { header: 'Plan status', value: (r) => (r.waitingForLaunch ? 'not launched yet' : r.status) },
      { header: 'Hours per year', value: (r) => r.hoursPerYear, numeric: true },
      { header: 'Cost per year', value: (r) => money(r.costPerYear), raw: (r) => r.costPerYear, numeric: true },
      { header: 'Hours done', value: (r) => r.hoursDone, numeric: true },
      { header: 'Over the cost cap', value: (r) => yes(r.overCost) },
      { header: 'Over the hours cap', value: (r) => yes(r.overHours) },
      { header: 'Under the minimum', value: (r) => yes(r.underMinimum) },
    ],
    chart: (rows) => {
      const within = rows.filter((r) => !r.overCost && !r.overHours && !r.underMinimum).length;
      const counts = [within, rows.filter((r) => r.overCost || r.overHours).length, rows.filter((r) => r.underMinimum).length];
      return { type: 'doughnut', summary: 'Current plans within the caps, over a cap, and under the required minimum.', labels: ['Within the caps', 'Over a cap', 'Under the minimum'], datasets: [{ label: 'Plans', data: counts, backgroundColor: [PALETTE[2]!, PALETTE[4]!, PALETTE[1]!] }] };
    },
  },
  reviews: {
    title: 'Overdue reviews',
    description: 'Running plans whose annual or end-of-period review is due and not done.',
    empty: 'No review is overdue.',
    columns: [
      { header: 'Teacher', value: (r) => r.name },
      { header: 'School or group', value: (r) => r.groups },
      { header: 'Review', value: (r) => (r.kind === 'annual' ? 'Annual' : 'End of period') },
      { header: 'Due since', value: (r) => isoDate(r.dueAt), day: true },
      { header: 'Days overdue', value: (r) => r.daysOverdue, numeric: true },
    ],
    chart: (rows) => {
      const kinds = ['annual', 'final'] as const;
      return bars('Overdue reviews by kind.', ['Annual', 'End of period'], [{ label: 'Overdue reviews', data: kinds.map((k) => rows.filter((r) => r.kind === k).length) }]);
    },
  },
  time: {
    title: 'Time to complete',
    description: 'Days from joining a pathway (in the period) to completing it.',
    empty: 'No pathway joined in this period has been completed yet.',
    columns: [
      { header: 'Pathway', value: (r) => r.title },
      { header: 'Completed', value: (r) => r.completed, numeric: true },
      { header: 'Median days', value: (r) => r.medianDays, numeric: true },
      { header: 'Average days', value: (r) => r.averageDays, numeric: true },
      { header: 'Fastest (days)', value: (r) => r.fastestDays, numeric: true },
      { header: 'Slowest (days)', value: (r) => r.slowestDays, numeric: true },
    ],
    chart: (rows) => bars('Median days to complete, per pathway.', rows.map((r) => r.title), [{ label: 'Median days', data: rows.map((r) => r.medianDays) }], { horizontal: true }),
  },
  growth: {
    title: 'Growth',
    description: 'Average self-rating (1–4) per competency: the first needs assessment against the latest later rating in the period (review re-rating or a later assessment). Private reflections are never part of reports.',
    empty: 'No teacher has rated themselves again since their first needs assessment.',
    columns: [
      { header: 'Code', value: (r) => r.code },
      { header: 'Competency', value: (r) => r.name },
      { header: 'Teachers', value: (r) => r.teachers, numeric: true },
      { header: 'Before', value: (r) => r.pre, numeric: true },
      { header: 'After', value: (r) => r.post, numeric: true },
      { header: 'Change', value: (r) => (r.change > 0 ? `+${r.change}` : r.change), numeric: true },
    ],
    chart: (rows) =>
      bars('Average rating before and after, per competency.', rows.map((r) => r.name), [
        { label: 'Before', data: rows.map((r) => r.pre) },
        { label: 'After', data: rows.map((r) => r.post) },
      ]),
  },
  activities: {
    title: 'Top activities',
    description: 'Catalog activities most completed in the period, and how many teachers have them in their plans.',
    empty: 'No catalog activity is in a plan yet.',
    columns: [
      { header: 'Activity', value: (r) => r.title },
      { header: 'Completed', value: (r) => r.completed, numeric: true },
      { header: 'Teachers planning it', value: (r) => r.planned, numeric: true },
    ],
    chart: (rows) =>
      bars('Completions and teachers planning each of the top activities.', rows.map((r) => r.title), [
        { label: 'Completed', data: rows.map((r) => r.completed) },
        { label: 'Teachers planning it', data: rows.map((r) => r.planned) },
      ], { horizontal: true }),
  },
  sources: {
    title: 'Completion sources',
    description: 'Where the activity completions of the period came from: automatic LMS sync or people.',
    empty: 'No activity was completed in this period.',
    columns: [
      { header: 'Source', value: (r) => SOURCE_LABELS[r.source] ?? r.source },
      { header: 'Completions', value: (r) => r.completions, numeric: true },
      { header: 'Hours', value: (r) => r.hours, numeric: true },
    ],
    chart: (rows) => ({ type: 'doughnut', summary: 'Share of completions by source.', labels: rows.map((r) => SOURCE_LABELS[r.source] ?? r.source), datasets: [{ label: 'Completions', data: rows.map((r) => r.completions), backgroundColor: rows.map((_, i) => PALETTE[i % PALETTE.length]!) }] }),
  },
};

/** How many rows of a report the page shows (a district's caps or reviews list every teacher); the CSV has all. */
const SECTION_ROWS = 50;

/** One report section: its table's first rows (always) and its chart (when there is something to draw). */
export function reportSection<K extends ReportKey>(key: K, rows: Rows<K>[]) {
  const def = DEFINITIONS[key] as unknown as ReportDefinition<Rows<K>>;
  const chart = rows.length ? def.chart(rows) : undefined;
  return {
    key,
    title: def.title,
    description: def.description,
    empty: def.empty,
    headers: def.columns.map((c) => ({ label: c.header, numeric: !!c.numeric })),
    rows: rows.slice(0, SECTION_ROWS).map((r) => def.columns.map((c) => ({ text: String(c.value(r)), numeric: !!c.numeric, day: !!c.day }))),
    total: rows.length,
    chart: chart && { ...chart, id: `chart-${key}` },
  };
}

/** The CSV download of a report: the table's columns, one line per row. */
export function reportCsv<K extends ReportKey>(key: K, rows: Rows<K>[]): string {
  const def = DEFINITIONS[key] as unknown as ReportDefinition<Rows<K>>;
  return csvText(rows, def.columns.map((c) => ({ header: c.header, value: c.raw ?? c.value })));
}

/** Chart specs for public/js/reports.js, as JSON the view escapes into a data attribute. */
export function chartData(sections: ReturnType<typeof reportSection>[]): string {
  return JSON.stringify(sections.flatMap((s) => (s.chart ? [s.chart] : [])));
}

export function headlineCards(h: Headline) {
  return [
    { label: 'Teachers with a current plan', value: String(h.teachersWithPlans) },
    { label: 'Assigned, not launched yet', value: String(h.waitingForLaunch) },
    { label: 'Pathway enrolments', value: String(h.enrolled) },
    { label: 'Pathways completed', value: `${h.pathwaysCompleted} (${h.completionRate}%)` },
    { label: 'Hours completed', value: String(h.hoursDone) },
    { label: 'Planned spend per year', value: money(h.plannedCostPerYear) },
    { label: 'Plans over a cap', value: String(h.overCap) },
    { label: 'Reviews overdue', value: String(h.reviewsDue) },
  ];
}

const QUEUE_STATUS_LABELS: Record<QueueStatus, string> = { submitted: 'Waiting for approval', returned: 'Returned to the teacher', draft: 'Drafts not submitted yet', active: 'Approved and running' };

export function queueStatusChoices() {
  return Object.entries(QUEUE_STATUS_LABELS).map(([value, label]) => ({ value, label }));
}

export function queueRows(rows: QueueRow[]) {
  return rows.map((r) => ({ ...r, submittedAt: isoDate(r.submittedAt), hours: `${r.hoursPerYear} h`, cost: money(r.costPerYear) }));
}

const REVIEW_NAMES = { annual: 'Annual review', final: 'End-of-period review' } as const;

function participantRow(p: CourseParticipantRow, locale: string | undefined, now: Date) {
  if (!p.plan) return { name: p.name, status: 'No plan yet', goals: '', hours: '', review: '', reviewOverdue: false };
  const review = p.plan.nextReview;
  return {
    name: p.name,
    status: STATUS_LABELS[p.plan.status] ?? p.plan.status,
    goals: `${p.plan.goalsDone} of ${count(p.plan.goals, 'goal')} done`,
    hours: `${p.plan.hoursDone} of ${p.plan.hoursPlanned} h`,
    review: review ? `${REVIEW_NAMES[review.kind]}, ${review.dueAt <= now ? 'due since ' : ''}${date(review.dueAt, locale)}` : '',
    reviewOverdue: !!review && review.dueAt <= now,
  };
}

/** The course progress page: one row per learner who uses PD Pathways, and how many have not opened it yet. */
export function courseProgressView(progress: CourseProgress, locale: string | undefined, now = new Date()) {
  const { title, label } = progress.course;
  return {
    course: title ? `${title}${label ? ` (${label})` : ''}` : label || 'This course',
    rows: progress.participants.map((p) => participantRow(p, locale, now)),
    notLaunched: progress.notLaunched ? `${count(progress.notLaunched, 'learner')} of this course ${progress.notLaunched === 1 ? 'has' : 'have'} not opened PD Pathways yet.` : '',
  };
}

/** What an instructor without access is told: who grants access, and where. */
export function courseAccessHelp(pdStaff: string[]): string[] {
  const who = pdStaff.length ? `your district’s PD staff (${pdStaff.slice(0, 3).join(', ')}${pdStaff.length > 3 ? ' and others' : ''})` : 'your district’s PD staff';
  return [
    'Your district has not turned on course progress for instructors, so PD Pathways shows you your own plan only.',
    `To see your participants’ PD progress, ask ${who}: they can turn on “Course instructors see their participants’ PD progress” on the District policy page, or give you the Coach role on the People page and assign you the teachers you coach.`,
  ];
}
