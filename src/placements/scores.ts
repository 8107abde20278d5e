import { Types } from 'mongoose';
import * as credentials from '../credentials/service';
import { scoped, TenantId } from '../db/tenancy';
import { isDuplicateKey, onlyDuplicateKeys } from '../db/writeErrors';
import { uniqueIds } from '../kernel/ids';
import * as ags from '../lti/services/ags';
import * as outbox from '../outbox/service';
import * as pathways from '../pathways/service';
import * as plans from '../plans/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { GradeBack, GradeBackDoc, Placement, PlacementDoc, PlacementKind } from './model';

// Grade-back scores: what a placement's column shows for a person, queued for the LMS when it changed.
// Work for many people (a batch of completions, a new column) reads their plans and last scores once.

type Id = Types.ObjectId;
type PlanDoc = NonNullable<Awaited<ReturnType<typeof plans.currentPlan>>>;
type Goal = PlanDoc['goals'][number];

interface ColumnValue {
  /** 0..1 */
  fraction: number;
  /** Whether the tool itself counts it complete (a goal whose activities are done may still need a reflection). */
  complete: boolean;
  comment: string;
}

/** One person's value for one column. */
interface ColumnChange {
  p: PlacementDoc;
  user: UserDoc;
  value: ColumnValue;
}

const percent = (f: number) => `${Math.round(f * 100)}%`;
const average = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const AWAITS_REFLECTION = 'Every activity is done; the goal completes once a reflection is added in PD Pathways.';

/** The current plans of the people a sync is about, read once for all their columns. */
class Standing {
  private readonly slugs = new Map<string, Promise<string | undefined>>();

  private constructor(
    private readonly tenantId: TenantId,
    private readonly plans: Map<string, PlanDoc>,
  ) {}

  static async of(tenantId: TenantId, userIds: Id[]): Promise<Standing> {
    const found = await plans.currentPlans(tenantId, userIds);
    const byPerson = new Map<string, PlanDoc>();
    for (const plan of found) if (!byPerson.has(String(plan.userId))) byPerson.set(String(plan.userId), plan);
    return new Standing(tenantId, byPerson);
  }

  plan(userId: Id): PlanDoc | undefined {
    return this.plans.get(String(userId));
  }

  goals(userId: Id): Goal[] {
    return this.plan(userId)?.goals ?? [];
  }

  /** Pathway placements name the pathway by slug: goals keep the id of the version they came from. */
  pathwaySlug(versionId: Id): Promise<string | undefined> {
    const known = this.slugs.get(String(versionId));
    if (known) return known;
    const slug = pathways.getPathway(this.tenantId, versionId).then((v) => v.slug, () => undefined);
    this.slugs.set(String(versionId), slug);
    return slug;
  }
}

/** Goals as the tool shows them: done only when completed; an open goal at 100% still waits for something. */
function goalsValue(goals: Goal[], label: (f: number) => string): ColumnValue {
  const fraction = average(goals.map((g) => (g.status === 'completed' ? 1 : g.progress)));
  const complete = goals.every((g) => g.status === 'completed');
  const waiting = !complete && goals.some((g) => g.status !== 'completed' && g.progress >= 1);
  return { fraction, complete, comment: waiting ? `${label(fraction)} ${AWAITS_REFLECTION}` : label(fraction) };
}

/** The person's current standing for a placement's column: plan, pathway or goal progress, or a badge. */
async function columnValue(standing: Standing, tenantId: TenantId, p: PlacementDoc, userId: Id): Promise<ColumnValue | undefined> {
  if (p.kind === 'plan') {
    const plan = standing.plan(userId);
    if (!plan) return undefined;
    if (!plan.goals.length) return { fraction: 0, complete: false, comment: 'PD plan 0% complete.' };
    return goalsValue(plan.goals, (f) => `PD plan ${percent(f)} complete.`);
  }
  if (p.kind === 'goal') {
    const goals = standing.goals(userId).filter((g) => g.competency === p.ref);
    if (!goals.length) return undefined;
    const best = goals.find((g) => g.status === 'completed') ?? goals.reduce((a, b) => (b.progress > a.progress ? b : a));
    return goalsValue([best], (f) => `Goal in ${p.ref}: ${percent(f)} complete.`);
  }
  if (p.kind === 'pathway') {
    const goals = [];
    for (const g of standing.goals(userId)) if (g.origin?.pathway?.id && (await standing.pathwaySlug(g.origin.pathway.id)) === p.ref) goals.push(g);
    if (!goals.length) return undefined;
    return goalsValue(goals, (f) => `Pathway ${percent(f)} complete.`);
  }
  if (p.kind === 'badge' && Types.ObjectId.isValid(p.ref)) {
    const badge = await credentials.earnedBadge(tenantId, new Types.ObjectId(p.ref), userId);
    return badge ? { fraction: 1, complete: true, comment: `Badge earned: ${badge.name}. Verify it at ${badge.verifyUrl}` } : undefined;
  }
  return undefined;
}

/** Each person's value for each of their columns (a column with nothing to show for someone is left out). */
async function columnChanges(tenantId: TenantId, pairs: { p: PlacementDoc; user: UserDoc }[]): Promise<ColumnChange[]> {
  if (!pairs.length) return [];
  const standing = await Standing.of(tenantId, uniqueIds(pairs.map(({ user }) => user._id)));
  const out: ColumnChange[] = [];
  for (const { p, user } of pairs) {
    const value = await columnValue(standing, tenantId, p, user._id);
    if (value) out.push({ p, user, value });
  }
  return out;
}

/**
 * What the gradebook gets: the full score and Completed only for what the tool counts complete. Work that is
 * done but not complete (a goal waiting for its reflection) stays one point under the maximum, Submitted.
 */
function scoreOf(p: PlacementDoc, value: ColumnValue): { scoreGiven: number; activityProgress: ags.ActivityProgress } {
  const max = p.lineItem?.scoreMaximum ?? 100;
  const fraction = Math.min(1, Math.max(0, value.fraction));
  if (value.complete) return { scoreGiven: max, activityProgress: 'Completed' };
  const scoreGiven = Math.min(Math.round(fraction * max * 100) / 100, Math.max(0, max - Math.min(1, max / 100)));
  const activityProgress = fraction >= 1 ? 'Submitted' : fraction > 0 ? 'InProgress' : 'Initialized';
  return { scoreGiven, activityProgress };
}

interface NextScore {
  scoreGiven: number;
  activityProgress: ags.ActivityProgress;
  timestamp: Date;
}

/**
 * The score to queue after `last`, or none when it is unchanged (unless forced). Each score gets a timestamp
 * at least a second after the previous one for that person and column (strictly increasing, at Moodle's resolution).
 */
function nextScore(c: ColumnChange, last: GradeBackDoc | undefined, force: boolean): NextScore | undefined {
  const { scoreGiven, activityProgress } = scoreOf(c.p, c.value);
  if (!force && last && last.scoreGiven === scoreGiven && last.activityProgress === activityProgress) return undefined;
  return { scoreGiven, activityProgress, timestamp: new Date(Math.max(Date.now(), (last?.timestamp.getTime() ?? 0) + 1000)) };
}

/** The write of a column's new score, conditional on the last one read (inserted when there was none). */
function scoreWrite(tenantId: TenantId, c: ColumnChange, last: GradeBackDoc | undefined, next: NextScore) {
  return {
    filter: scoped<GradeBackDoc>(tenantId, { placementId: c.p._id, userId: c.user._id, rev: last?.rev ?? 0 }),
    update: { $set: { scoreGiven: next.scoreGiven, activityProgress: next.activityProgress, timestamp: next.timestamp, status: 'queued' as const, note: '' }, $inc: { rev: 1 } },
    upsert: !last,
  };
}

/** The outbox message that posts it; a newer score supersedes a queued older one. */
function scoreMessage({ p, user, value }: ColumnChange, next: NextScore): outbox.EnqueueInput {
  const score: ags.Score = { userId: user.sub!, scoreGiven: next.scoreGiven, scoreMaximum: p.lineItem?.scoreMaximum ?? 100, activityProgress: next.activityProgress, gradingProgress: 'FullyGraded', timestamp: next.timestamp.toISOString(), comment: value.comment };
  return {
    kind: 'ags-score',
    key: `score:${p._id}:${user._id}`,
    version: next.timestamp.getTime(),
    payload: { placementId: String(p._id), userId: String(user._id), score },
    label: `${next.scoreGiven}/${score.scoreMaximum} for ${user.name || 'a teacher'} in “${p.lineItem?.label ?? p.title}”`,
  };
}

/** Queues one person's score for a column when it changed, trying again when another writer moved it meanwhile. */
async function queueScore(tenantId: TenantId, c: ColumnChange, force: boolean): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const last = (await GradeBack.findOne(scoped(tenantId, { placementId: c.p._id, userId: c.user._id })).lean<GradeBackDoc>()) ?? undefined;
    const next = nextScore(c, last, force);
    if (!next) return;
    const { filter, update, upsert } = scoreWrite(tenantId, c, last, next);
    try {
      const res = await GradeBack.updateOne(filter, update, { upsert });
      if (!res.modifiedCount && !res.upsertedCount) continue;
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    await outbox.enqueue(tenantId, scoreMessage(c, next));
    return;
  }
}

const pairKey = (placementId: Id, userId: Id) => `${placementId} ${userId}`;

async function lastScores(tenantId: TenantId, changes: ColumnChange[]): Promise<Map<string, GradeBackDoc>> {
  const found = await GradeBack.find(scoped(tenantId, { placementId: { $in: uniqueIds(changes.map((c) => c.p._id)) }, userId: { $in: uniqueIds(changes.map((c) => c.user._id)) } })).lean<GradeBackDoc[]>();
  return new Map(found.map((g) => [pairKey(g.placementId, g.userId), g]));
}

/**
 * Many scores as queueScore queues each: the last scores read in one query, the changed ones written in
 * one bulk write and their messages queued in another. A score another writer moved meanwhile is queued alone.
 */
async function queueScores(tenantId: TenantId, changes: ColumnChange[], force = false): Promise<void> {
  if (!changes.length) return;
  const before = await lastScores(tenantId, changes);
  const writes = changes.flatMap((c) => {
    const last = before.get(pairKey(c.p._id, c.user._id));
    const next = nextScore(c, last, force);
    return next ? [{ c, last, next }] : [];
  });
  if (!writes.length) return;
  const saved = await GradeBack.bulkWrite(writes.map((w) => ({ updateOne: scoreWrite(tenantId, w.c, w.last, w.next) })), { ordered: false }).catch((err: unknown) => {
    if (onlyDuplicateKeys(err)) return undefined;
    throw err;
  });
  let landed = writes;
  if (!saved || saved.modifiedCount + saved.upsertedCount < writes.length) {
    const after = await lastScores(tenantId, changes);
    const ours = (w: (typeof writes)[number]) => {
      const now = after.get(pairKey(w.c.p._id, w.c.user._id));
      return now?.rev === (w.last?.rev ?? 0) + 1 && now.timestamp.getTime() === w.next.timestamp.getTime();
    };
    landed = writes.filter(ours);
    for (const w of writes.filter((x) => !ours(x))) await queueScore(tenantId, w.c, force);
  }
  await outbox.enqueueAll(tenantId, landed.map((w) => scoreMessage(w.c, w.next)));
}

/** After changes for these people: every graded placement of those kinds in the courses they launched from. */
export async function syncPeople(tenantId: TenantId, userIds: Id[], kinds: PlacementKind[]): Promise<void> {
  const people = (await users.listUsers(tenantId, { ids: uniqueIds(userIds) })).filter((u) => u.sub && u.contextIds.length);
  if (!people.length) return;
  const contexts = [...new Set(people.flatMap((u) => u.contextIds))];
  const placements = await Placement.find(scoped(tenantId, { contextId: { $in: contexts }, kind: { $in: kinds }, 'lineItem.scoreMaximum': { $exists: true } })).lean<PlacementDoc[]>();
  const pairs = people.flatMap((user) => placements.filter((p) => user.contextIds.includes(p.contextId)).map((p) => ({ p, user })));
  await queueScores(tenantId, await columnChanges(tenantId, pairs));
}

/** Everyone's current standing in the placement's course, e.g. when a new column appears (forced: sent again). */
export async function syncEveryone(tenantId: TenantId, p: PlacementDoc, force = false): Promise<void> {
  const people = (await users.listUsers(tenantId, { contextId: p.contextId })).filter((u) => u.sub);
  await queueScores(tenantId, await columnChanges(tenantId, people.map((user) => ({ p, user }))), force);
}
