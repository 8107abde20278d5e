/**
 * Pathways' rules, without I/O: when a pathway is complete ("every required step", "any N of M",
 * hours), what a valid pathway is, the goal an enrolment puts in a plan, how an assignment file is
 * checked and grouped, and what moving someone to a newer version changes. The service files do the
 * reads and writes around them.
 */
import { isCalendarDay } from '../kernel/validation';
import type { Types } from 'mongoose';
import type { AssignedGoalInput, GoalDoc, GoalRule } from '../plans/service';
import type { PendingPerson } from '../users/service';
import { count } from '../web/format';

export type PathwayRule = GoalRule;
type Id = Types.ObjectId;
/** A rule as stored (the model's loose shape); read as a PathwayRule. */
type StoredRule = { kind?: string | null; n?: number | null; hours?: number | null } | null;

// ---------------------------------------------------------------------------------------------
// Completion rules

type RuleFields = { ruleKind: 'all' | 'n-of-m' | 'hours'; ruleN?: number; ruleHours?: number };

export function ruleOf(input: RuleFields): PathwayRule {
  if (input.ruleKind === 'n-of-m') return { kind: 'n-of-m', n: input.ruleN! };
  if (input.ruleKind === 'hours') return { kind: 'hours', hours: input.ruleHours! };
  return { kind: 'all' };
}

export function ruleText(rule: PathwayRule | undefined | null, steps: number): string {
  if (rule?.kind === 'n-of-m') return `Complete any ${rule.n} of the ${steps} steps`;
  if (rule?.kind === 'hours') return `Complete ${rule.hours} hours of the steps`;
  return 'Complete every required step';
}

/** Rules compare by kind, N and hours; a missing rule is "every required step". */
export function sameRule(a: PathwayRule | undefined | null, b: PathwayRule | undefined | null): boolean {
  return (a?.kind ?? 'all') === (b?.kind ?? 'all') && (a as { n?: number })?.n === (b as { n?: number })?.n && (a as { hours?: number })?.hours === (b as { hours?: number })?.hours;
}

// ---------------------------------------------------------------------------------------------
// A valid pathway

export type Problem = { path: (string | number)[]; message: string };
type Draft = RuleFields & { steps: { activityId: string; required: boolean }[] };

/** What the rule and the steps say against each other: N within the steps, a required step, no step twice. */
export function pathwayProblems(p: Draft): Problem[] {
  const problems: Problem[] = [];
  if (p.ruleKind === 'n-of-m' && p.ruleN === undefined) problems.push({ path: ['ruleN'], message: 'Enter how many steps complete the pathway' });
  if (p.ruleKind === 'n-of-m' && p.ruleN !== undefined && p.ruleN > p.steps.length) problems.push({ path: ['ruleN'], message: `The pathway has ${count(p.steps.length, 'step')}; choose at most that many` });
  if (p.ruleKind === 'hours' && p.ruleHours === undefined) problems.push({ path: ['ruleHours'], message: 'Enter how many hours complete the pathway' });
  if (p.ruleKind === 'all' && p.steps.length && !p.steps.some((s) => s.required)) problems.push({ path: ['steps'], message: 'Under “every required step” tick Required on at least one step, or choose “any N of the steps”' });
  const seen = new Map<string, number>();
  p.steps.forEach((s, i) => {
    const first = seen.get(s.activityId.toLowerCase());
    if (first !== undefined) problems.push({ path: ['steps', i, 'activityId'], message: `Already step ${first + 1}` });
    else seen.set(s.activityId.toLowerCase(), i);
  });
  return problems;
}

/** An hours rule cannot ask for more than the steps add up to. */
export function hoursRuleProblem(p: RuleFields & { steps: unknown[] }, totalHours: number): string | undefined {
  if (p.ruleKind === 'hours' && p.ruleHours !== undefined && p.steps.length && p.ruleHours > totalHours) return `The steps add up to ${totalHours} h; choose at most that`;
  return undefined;
}

/** Under "any N" and hours rules every step counts the same: none is required on its own. */
export function stepRequired(ruleKind: RuleFields['ruleKind'], ticked: boolean): boolean {
  return ruleKind === 'all' ? ticked : true;
}

/** A pathway's short name from its title (2–48 lower-case letters, digits and dashes). */
export function slugFrom(title: string, now = Date.now()): string {
  const s = title.toLowerCase().normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return s.length >= 2 ? s : `pathway-${now.toString(36)}`;
}

// ---------------------------------------------------------------------------------------------
// Versions and enrolments

type Version = { _id: Id; slug: string; version: number; status: string; title: string };

/** From every version (by slug, newest first): each pathway's latest version (a draft when one is open) and its published one, by title. */
export function latestOfEach<P extends Version>(all: P[]): { latest: P; published?: P }[] {
  const bySlug = new Map<string, P[]>();
  for (const p of all) bySlug.set(p.slug, [...(bySlug.get(p.slug) ?? []), p]);
  return [...bySlug.values()]
    .map((versions) => ({ latest: versions[0]!, published: versions.find((v) => v.status === 'published') }))
    .sort((a, b) => a.latest.title.localeCompare(b.latest.title));
}

type PathwayContent = Version & {
  competencies: string[];
  targetLevel?: number | null;
  rule?: StoredRule;
  achievementId?: Id | null;
  steps: { activityId: Id; required?: boolean | null }[];
};

/** The goal an enrolment puts in the person's plan: the pathway's steps as activities, under its rule. */
export function goalFor(p: PathwayContent, assignmentKey: string, dueAt: Date | undefined): AssignedGoalInput {
  return {
    assignmentKey,
    statement: `Complete the “${p.title}” pathway.`,
    competency: p.competencies[0],
    targetLevel: p.targetLevel ?? undefined,
    measure: ruleText(p.rule as PathwayRule, p.steps.length),
    dueAt,
    rule: (p.rule as PathwayRule) ?? { kind: 'all' },
    achievementId: p.achievementId ?? undefined,
    pathway: { id: p._id, version: p.version, title: p.title },
    activities: p.steps.map((s) => ({ activityId: s.activityId, required: s.required ?? true })),
  };
}

/** People per pathway and version: `${slug}` and `${slug}@${version}` → count. */
export function countsBySlugAndVersion(rows: { _id: { slug: string; version: number }; n: number }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    counts.set(`${r._id.slug}@${r._id.version}`, r.n);
    counts.set(r._id.slug, (counts.get(r._id.slug) ?? 0) + r.n);
  }
  return counts;
}

export interface EnrolmentFilter {
  from?: Date;
  to?: Date;
  slug?: string;
  userIds?: Id[];
}

export function enrolmentMatch(f: EnrolmentFilter): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (f.slug) match.slug = f.slug;
  if (f.userIds) match.userId = { $in: f.userIds };
  if (f.from || f.to) match.enrolledAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return match;
}

// ---------------------------------------------------------------------------------------------
// Assignment batches

/** A due date from a form or file: absent, a real YYYY-MM-DD date today or later, or what is wrong with it. */
export function parseDueDate(raw: unknown, now = new Date()): Date | undefined | string {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (text === '' || text === null || text === undefined) return undefined;
  if (typeof text !== 'string' || !isCalendarDay(text)) return 'Enter the due date as YYYY-MM-DD';
  const day = new Date(`${text}T00:00:00Z`);
  const today = new Date(now);
  today.setUTCHours(0, 0, 0, 0);
  return day < today ? 'The due date is in the past' : day;
}

/** A new person's email at a domain nobody who launched uses is most likely a typo: said on the preview. */
export function emailWarning(person: Pick<PendingPerson, 'email'>, domains: Set<string>): string | undefined {
  const domain = person.email?.split('@')[1];
  if (!domain || !domains.size || domains.has(domain)) return undefined;
  return `Nobody who uses PD Pathways has an email at ${domain}: check the spelling`;
}

/** Finds a published pathway by its short name or its title, in any case. */
export function pathwayFinder<P extends { slug: string; title: string }>(published: P[]): (ref: string) => P | undefined {
  const bySlug = new Map(published.map((p) => [p.slug, p]));
  const byTitle = new Map(published.map((p) => [p.title.trim().toLowerCase(), p]));
  return (ref) => bySlug.get(ref.trim().toLowerCase()) ?? byTitle.get(ref.trim().toLowerCase());
}

type FileLine = { line: number; problems: string[]; userId?: Id; person?: PendingPerson; pathway?: { slug: string } };

/** A person named twice for the same pathway is a problem on the later line. */
export function markDuplicateLines(lines: FileLine[]): void {
  const first = new Map<string, number>();
  for (const l of lines) {
    const who = l.userId ? String(l.userId) : l.person ? JSON.stringify([l.person.email, l.person.canvasId, l.person.moodleId, l.person.sourcedId]) : undefined;
    if (!who || !l.pathway) continue;
    const key = `${who}|${l.pathway.slug}`;
    if (first.has(key)) l.problems.push(`The same person and pathway are on line ${first.get(key)}`);
    else first.set(key, l.line);
  }
}

/** One assignment per pathway and due date in a file; each line says which one it belongs to. */
export function groupByAssignment<P extends { _id: Id }>(lines: { pathway: P; dueAt?: Date }[]): { assignments: { pathway: P; dueAt?: Date }[]; indexOf: number[] } {
  const byKey = new Map<string, number>();
  const assignments: { pathway: P; dueAt?: Date }[] = [];
  const indexOf = lines.map((l) => {
    const key = `${l.pathway._id}|${l.dueAt?.toISOString() ?? ''}`;
    if (!byKey.has(key)) {
      byKey.set(key, assignments.length);
      assignments.push({ pathway: l.pathway, dueAt: l.dueAt });
    }
    return byKey.get(key)!;
  });
  return { assignments, indexOf };
}

type Batch = { status: string; assignments: { target?: { kind?: string | null } | null }[]; rows: { userId?: Id | null }[] };

/**
 * People a CSV file names whom PD Pathways does not know: a typo'd email would otherwise become a
 * new pending person silently, so applying such a file needs an explicit yes.
 */
export function pendingToConfirm(batch: Batch): number {
  if (batch.status !== 'previewed' || !batch.assignments.some((a) => a.target?.kind === 'csv')) return 0;
  return batch.rows.filter((r) => !r.userId).length;
}

/** The next rows of a batch applied side by side, from where it stopped. */
export function chunkFrom(from: number, total: number, size: number): number[] {
  return Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, k) => from + k);
}

// ---------------------------------------------------------------------------------------------
// Moving people to the current version

export interface MigrationLine<E = unknown> {
  enrolment: E;
  name: string;
  fromVersion: number;
  /** The assigned goal is in the person's current plan (otherwise there is nothing to migrate). */
  inPlan: boolean;
  added: string[];
  removed: string[];
  keptCompletions: number;
  lostCompletions: string[];
  ruleChange?: string;
}

type Goal = Pick<GoalDoc, 'activities' | 'rule'>;
export type MigrationTarget = { steps: { activityId: Id }[]; rule?: StoredRule };

/** What moving one person's goal to the target version changes: steps added and removed, completions kept or lost, the rule. */
export function migrationLine<E extends { version: number }>(enrolment: E, name: string, goal: Goal | undefined, target: MigrationTarget, titles: Map<string, string>): MigrationLine<E> {
  const line: MigrationLine<E> = { enrolment, name, fromVersion: enrolment.version, inPlan: !!goal, added: [], removed: [], keptCompletions: 0, lostCompletions: [] };
  if (!goal) return line;
  const now = new Set(goal.activities.flatMap((a) => (a.activityId ? [String(a.activityId)] : [])));
  const next = new Set(target.steps.map((s) => String(s.activityId)));
  line.added = [...next].filter((id) => !now.has(id)).map((id) => titles.get(id) ?? 'An activity');
  for (const a of goal.activities.filter((x) => x.activityId)) {
    const stays = next.has(String(a.activityId));
    if (!stays) line.removed.push(a.title);
    if (a.status === 'done' && stays) line.keptCompletions++;
    if (a.status === 'done' && !stays) line.lostCompletions.push(a.title);
  }
  if (!sameRule(goal.rule as PathwayRule, target.rule as PathwayRule)) {
    line.ruleChange = `${ruleText(goal.rule as PathwayRule, goal.activities.length)} → ${ruleText(target.rule as PathwayRule, target.steps.length)}`;
  }
  return line;
}

/** The notice a migrated person reads. */
export function updateSummary(l: Pick<MigrationLine, 'added' | 'removed' | 'keptCompletions'>): string {
  const parts = [l.added.length ? `New steps: ${l.added.join(', ')}.` : '', l.removed.length ? `No longer part of it: ${l.removed.join(', ')}.` : '', l.keptCompletions ? `${count(l.keptCompletions, 'finished step')} still ${l.keptCompletions === 1 ? 'counts' : 'count'}.` : ''];
  return parts.filter(Boolean).join(' ') || 'Its steps are unchanged.';
}
