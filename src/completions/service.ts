import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import { on } from '../events';
import * as catalog from '../catalog/service';
import { config } from '../config';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { PROCESS_OWNER } from '../jobs/lease';
import { LmsCompletion, readLiveEvent, verifyLiveEventJwt } from '../lms/canvas';
import { checkDelivery, SignatureCheck } from '../lms/webhook';
import { logger } from '../log';
import * as notifications from '../notifications/service';
import * as plans from '../plans/service';
import { courseInWords } from './rules';
import { sameSecret, seal, unseal } from '../secrets';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { CsvRecord, readCsv } from '../kernel/csv';
import { AppError, Conflict, FieldErrors, fieldErrors, Forbidden, Invalid, NotFound } from '../kernel/errors';
import {
  CompletionEvent,
  CompletionEventDoc,
  CompletionImport,
  CompletionImportDoc,
  CompletionMapping,
  CompletionMappingDoc,
  CompletionSource,
  CompletionSourceDoc,
  EVENT_STATUSES,
  EventStatus,
  PENDING_STATUSES,
  SOURCE_KINDS,
  SourceKind,
  USER_ID_KINDS,
  UserIdKind,
} from './model';

export { EVENT_STATUSES, SOURCE_KINDS, USER_ID_KINDS };
export type { CompletionEventDoc, CompletionImportDoc, CompletionMappingDoc, CompletionSourceDoc, EventStatus, SourceKind, UserIdKind };

export type { ChangedBy };

export const SOURCE_LABELS: Record<SourceKind, string> = {
  'canvas-live': 'Canvas Live Events',
  'canvas-rest': 'Canvas course progress (REST)',
  'moodle-ws': 'Moodle course completion (web services)',
  webhook: 'Generic webhook',
  csv: 'CSV import',
};

export const HOOK_KINDS = ['canvas-live', 'webhook'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
export const POLL_KINDS = ['canvas-rest', 'moodle-ws'] as const;
export type PollKind = (typeof POLL_KINDS)[number];

/** Instructure's keyset for signed Live Events (previous, current and next key; rotated monthly). */
export const CANVAS_LIVE_EVENTS_JWKS = 'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks';

const TIMELINE_MAX = 50;
const LEASE_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;

type TimelineEntry = { at: Date; step: string; detail: string };

function entry(step: string, detail = ''): TimelineEntry {
  return { at: new Date(), step, detail };
}

function pushTimeline(...entries: TimelineEntry[]) {
  return { timeline: { $each: entries, $slice: -TIMELINE_MAX } };
}

/** Delivery URL tokens are only recognised, never shown again: their SHA-256 is what is stored. */
function fingerprint(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Work started by a request (processing, imports) that outlives it; awaited by settled(). */
const inFlight = new Set<Promise<void>>();

function inBackground(what: string, work: () => Promise<void>): void {
  const run: Promise<void> = work()
    .catch((err) => logger().error({ err }, `completion sync: ${what} failed`))
    .finally(() => inFlight.delete(run));
  inFlight.add(run);
}

/** Resolves once the background work started so far has finished (shutdown, tests). */
export async function settled(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

// ---------------------------------------------------------------------------------------------
// Sources

/** The tenant's settings for one source, created (csv on, the others off) the first time it is asked for. */
export async function getSource(tenantId: TenantId, kind: SourceKind): Promise<CompletionSourceDoc> {
  const run = () =>
    CompletionSource.findOneAndUpdate(scoped(tenantId, { kind }), { $setOnInsert: { enabled: kind === 'csv', ...(kind === 'canvas-live' ? { jwksUrl: CANVAS_LIVE_EVENTS_JWKS } : {}) } }, { upsert: true, new: true }).lean<CompletionSourceDoc>();
  try {
    return (await run())!;
  } catch (err) {
    if (isDuplicateKey(err)) return (await run())!;
    throw err;
  }
}

/** Every source's settings in one read; only a source never asked for before is created. */
export async function listSources(tenantId: TenantId): Promise<CompletionSourceDoc[]> {
  const existing = await CompletionSource.find(scoped(tenantId, { kind: { $in: SOURCE_KINDS } })).lean<CompletionSourceDoc[]>();
  const byKind = new Map(existing.map((s) => [s.kind, s]));
  const out: CompletionSourceDoc[] = [];
  for (const kind of SOURCE_KINDS) out.push(byKind.get(kind) ?? (await getSource(tenantId, kind)));
  return out;
}

const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const webAddress = z.preprocess(blank, z.string().max(500, 'Keep the address under 500 characters').url('Enter a full web address, starting with https://').refine((u) => /^https?:\/\//.test(u), 'Enter a full web address, starting with https://').optional());

const SourceSettingsInput = z.object({
  enabled: checkbox,
  jwksUrl: webAddress,
  acceptUnsigned: checkbox,
  baseUrl: webAddress,
  pollMinutes: z.preprocess(blank, z.coerce.number('Enter the minutes as a number').int('Enter whole minutes').min(1, 'Poll at most once a minute').max(1440, 'Poll at least once a day').optional()),
  /** Blank keeps the stored token. */
  apiToken: z.preprocess(blank, z.string().max(500, 'That token is too long').optional()),
});

function settingsProblems(kind: SourceKind, input: z.infer<typeof SourceSettingsInput>, source: CompletionSourceDoc): FieldErrors {
  const errors: FieldErrors = {};
  if (kind === 'canvas-live' && !input.jwksUrl) errors.jwksUrl = 'Enter the keyset URL Canvas signs Live Events with';
  if ((kind === 'canvas-rest' || kind === 'moodle-ws') && input.enabled) {
    if (!input.baseUrl) errors.baseUrl = kind === 'canvas-rest' ? 'Enter your Canvas address, e.g. https://district.instructure.com' : 'Enter your Moodle address (its wwwroot)';
    if (!input.apiToken && !source.sealedApiToken) errors.apiToken = kind === 'canvas-rest' ? 'Paste an admin API token' : 'Paste a web-service token';
  }
  return errors;
}

function settingsSummary(s: Pick<CompletionSourceDoc, 'enabled' | 'baseUrl' | 'jwksUrl' | 'pollMinutes' | 'acceptUnsigned'>) {
  return { enabled: s.enabled, baseUrl: s.baseUrl ?? '', jwksUrl: s.jwksUrl ?? '', pollMinutes: s.pollMinutes, acceptUnsigned: s.acceptUnsigned };
}

/** Saves a source's settings from the PD-staff form; an API token is sealed before it is stored. */
export async function configureSource(tenantId: TenantId, kind: SourceKind, raw: unknown, by: ChangedBy): Promise<CompletionSourceDoc> {
  const before = await getSource(tenantId, kind);
  const parsed = SourceSettingsInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The settings have problems; nothing was saved.', fieldErrors(parsed.error));
  const input = parsed.data;
  const problems = settingsProblems(kind, input, before);
  if (Object.keys(problems).length) throw new Invalid('The settings have problems; nothing was saved.', problems);
  const set: Record<string, unknown> = { enabled: input.enabled };
  if (kind === 'canvas-live') Object.assign(set, { jwksUrl: input.jwksUrl, acceptUnsigned: input.acceptUnsigned });
  if (kind === 'canvas-rest' || kind === 'moodle-ws') {
    Object.assign(set, { ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}), ...(input.pollMinutes ? { pollMinutes: input.pollMinutes } : {}) });
    if (input.apiToken) set.sealedApiToken = seal(input.apiToken);
  }
  const after = (await CompletionSource.findOneAndUpdate(scoped(tenantId, { kind }), { $set: set }, { new: true }).lean<CompletionSourceDoc>())!;
  await audit.record(tenantId, {
    actor: by,
    action: 'completion-source.updated',
    subject: { kind: 'completion-source', id: kind },
    before: settingsSummary(before),
    after: { ...settingsSummary(after), ...(input.apiToken ? { token: 'replaced' } : {}) },
  });
  return after;
}

export function hookPath(kind: HookKind): string {
  return `/hooks/completions/${kind}`;
}

/** The delivery URL with its secret token: shown to PD staff once, when issued. */
function hookUrl(kind: HookKind, token: string): string {
  return `${config().publicUrl}${hookPath(kind)}?token=${token}`;
}

export interface IssuedSecrets {
  url: string;
  signingSecret?: string;
}

/** New delivery URL (and, for the generic webhook, signing secret); the previous ones stop working at once. */
export async function issueHookSecrets(tenantId: TenantId, kind: HookKind, by: ChangedBy): Promise<IssuedSecrets> {
  await getSource(tenantId, kind);
  const token = `${tenantId.toHexString()}.${randomSecret()}`;
  const signingSecret = kind === 'webhook' ? randomSecret() : undefined;
  await CompletionSource.updateOne(scoped(tenantId, { kind }), {
    $set: { hookTokenHash: fingerprint(token), secretsIssuedAt: new Date(), ...(signingSecret ? { sealedSigningSecret: seal(signingSecret) } : {}) },
  });
  await audit.record(tenantId, { actor: by, action: 'completion-source.secrets-issued', subject: { kind: 'completion-source', id: kind } });
  return { url: hookUrl(kind, token), signingSecret };
}

/** Pollers: the next run starts at the scheduler's next tick instead of after the interval. */
export async function requestSync(tenantId: TenantId, kind: PollKind, by: ChangedBy): Promise<void> {
  const source = await getSource(tenantId, kind);
  if (!source.enabled) throw new Conflict(`${SOURCE_LABELS[kind]} is turned off; turn it on first.`);
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $unset: { 'lastRun.at': 1 } });
  await audit.record(tenantId, { actor: by, action: 'completion-source.sync-requested', subject: { kind: 'completion-source', id: kind } });
}

// ---------------------------------------------------------------------------------------------
// Ingestion: every source ends in ingest(), which writes one ledger event per completion.

export interface CompletionInput {
  source: SourceKind;
  system?: string;
  courseId?: string;
  courseTitle?: string;
  activityId?: Types.ObjectId;
  lmsUserId: string;
  userIdKind: UserIdKind;
  userEmail?: string;
  userName?: string;
  completedAt: Date;
  /** The sender said "complete" without a time; the time is then not part of the idempotency key. */
  timeUnknown?: boolean;
  hours?: number;
  externalKey?: string;
  payload?: unknown;
}

/** source + platform course (or activity) + LMS user + completion time. */
export function idempotencyKey(i: CompletionInput): string {
  const course = i.courseId ? `${i.system ?? 'lms'}:${i.courseId}` : `activity:${String(i.activityId)}`;
  return [i.source, course, `${i.userIdKind}:${i.lmsUserId}`, i.timeUnknown ? 'completed' : i.completedAt.toISOString()].join('|');
}

function eventFields(input: CompletionInput) {
  const email = input.userEmail?.trim().toLowerCase();
  return {
    source: input.source,
    system: input.system ?? 'lms',
    courseId: input.courseId,
    courseTitle: input.courseTitle ?? '',
    activityId: input.activityId,
    lmsUserId: input.userIdKind === 'email' ? input.lmsUserId.trim().toLowerCase() : input.lmsUserId,
    userIdKind: input.userIdKind,
    userEmail: email || undefined,
    userName: input.userName ?? '',
    completedAt: input.completedAt,
    hours: input.hours,
    externalKey: input.externalKey,
    payload: input.payload,
  };
}

export interface IngestResult {
  eventId: Types.ObjectId;
  duplicate: boolean;
}

/**
 * Writes the completion to the ledger (acknowledged by the database before this returns). A second
 * delivery of the same completion collides on the idempotency key and is counted, never applied twice.
 */
export async function ingest(tenantId: TenantId, input: CompletionInput): Promise<IngestResult> {
  const fields = eventFields(input);
  const key = idempotencyKey({ ...input, lmsUserId: fields.lmsUserId });
  try {
    const created = await CompletionEvent.create({ tenantId, ...fields, idempotencyKey: key, timeline: [entry('received', `From ${SOURCE_LABELS[input.source]}`)] });
    return { eventId: created._id, duplicate: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await CompletionEvent.findOneAndUpdate(
      scoped(tenantId, { idempotencyKey: key }),
      { $inc: { duplicates: 1 }, $push: pushTimeline(entry('ignored-duplicate', `Delivered again by ${SOURCE_LABELS[input.source]}; acknowledged and ignored`)) },
      { new: true, projection: { _id: 1 } },
    ).lean<{ _id: Types.ObjectId }>();
    return { eventId: existing!._id, duplicate: true };
  }
}

export interface BatchResult {
  received: number;
  duplicates: number;
  ignored?: string;
}

/** Ingests a batch for a source, counts it on the source, and starts matching the new events. */
async function ingestBatch(tenantId: TenantId, kind: SourceKind, inputs: CompletionInput[]): Promise<BatchResult> {
  const fresh: Types.ObjectId[] = [];
  let duplicates = 0;
  for (const input of await withKnownTitles(tenantId, inputs)) {
    const r = await ingest(tenantId, input);
    if (r.duplicate) duplicates++;
    else fresh.push(r.eventId);
  }
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $inc: { 'stats.received': fresh.length, 'stats.duplicates': duplicates }, $set: { lastSyncAt: new Date() } });
  processSoon(tenantId, fresh);
  return { received: fresh.length, duplicates };
}

const HOOK_TOKEN = /^([a-f0-9]{24})\.([\w-]{20,100})$/;

/** The enabled source a delivery URL token belongs to; 404 for an unknown token or tenant. */
async function sourceForDelivery(kind: HookKind, token: string | undefined): Promise<CompletionSourceDoc> {
  const match = HOOK_TOKEN.exec(token ?? '');
  const source = match ? await CompletionSource.findOne(scoped(new Types.ObjectId(match[1]), { kind })).lean<CompletionSourceDoc>() : null;
  if (!source?.hookTokenHash || !sameSecret(source.hookTokenHash, fingerprint(token!))) throw new NotFound('That completion source');
  if (!source.enabled) throw new Forbidden('This completion source is turned off in PD Pathways.');
  return source;
}

function problemText(err: unknown): string {
  if (err instanceof z.ZodError) return `invalid payload (${Object.entries(fieldErrors(err)).slice(0, 3).map(([k, v]) => `${k}: ${v}`).join('; ')})`;
  if (err instanceof AppError) return err.message;
  return 'unexpected error';
}

/** Runs a delivery's checks; a rejection is counted on the source with its reason, then reported to the sender. */
async function acceptDelivery(source: CompletionSourceDoc, work: () => Promise<BatchResult>): Promise<BatchResult> {
  try {
    return await work();
  } catch (err) {
    const message = problemText(err);
    await CompletionSource.updateOne(scoped(source.tenantId, { kind: source.kind }), { $inc: { 'stats.rejected': 1 }, $set: { lastError: { at: new Date(), message: `Delivery rejected: ${message}` } } });
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Invalid('The request body is not valid JSON.');
  }
}

const COMPACT_JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

async function liveEventEnvelope(source: CompletionSourceDoc, rawBody: string): Promise<unknown> {
  const text = rawBody.trim();
  if (text.startsWith('{')) {
    if (!source.acceptUnsigned) throw new AppError(401, 'Signature required', 'This source only accepts signed (JWT) Live Events.');
    return parseJson(text);
  }
  if (!COMPACT_JWT.test(text)) throw new Invalid('The body is neither a JSON event nor a signed JWT.');
  try {
    return await verifyLiveEventJwt(text, source.jwksUrl || CANVAS_LIVE_EVENTS_JWKS);
  } catch (err) {
    throw new AppError(401, 'Signature rejected', `The Live Events JWT could not be verified (${(err as Error).message}).`);
  }
}

function fromLms(kind: SourceKind, c: LmsCompletion, userIdKind: UserIdKind, payload?: unknown): CompletionInput {
  return { source: kind, courseId: c.courseId, courseTitle: c.courseTitle, lmsUserId: c.lmsUserId, userIdKind, userEmail: c.userEmail, userName: c.userName, completedAt: c.completedAt, timeUnknown: c.timeUnknown, externalKey: c.externalKey, payload };
}

/** A Canvas Live Events delivery (signed JWT or JSON) to the tenant's secret URL. */
export async function receiveLiveEvent(token: string | undefined, rawBody: string): Promise<BatchResult> {
  const source = await sourceForDelivery('canvas-live', token);
  return acceptDelivery(source, async () => {
    const envelope = await liveEventEnvelope(source, rawBody);
    const event = readLiveEvent(envelope);
    if (event.kind === 'other') return { received: 0, duplicates: 0, ignored: `${event.eventName} is not a course completion` };
    const { body } = envelope as { body: unknown };
    return ingestBatch(source.tenantId, 'canvas-live', [fromLms('canvas-live', event.completion, 'canvasId', { body })]);
  });
}

const WebhookEvent = z
  .object({
    id: z.string().max(200).optional(),
    user: z.object({
      id: z.string().trim().min(1, 'Give the user id').max(200),
      idType: z.enum(USER_ID_KINDS, `idType must be one of ${USER_ID_KINDS.join(', ')}`),
      email: z.string().trim().email('Not an email address').max(200).optional(),
      name: z.string().max(200).optional(),
    }),
    course: z.object({ id: z.string().trim().min(1).max(100), title: z.string().max(300).optional(), system: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'system: lowercase letters, digits, - and _').default('lms') }).optional(),
    activityId: z.string().regex(/^[a-f0-9]{24}$/i, 'Not an activity id').optional(),
    completedAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'Give completedAt as an ISO 8601 date-time'),
    hours: z.number().min(0).max(500).optional(),
  })
  .refine((e) => e.course || e.activityId, { message: 'Give the course or the activityId', path: ['course'] });

/** `{"events": [...]}` or one event object. */
const WebhookBody = z.preprocess((b) => (b && typeof b === 'object' && 'events' in b ? (b as { events: unknown }).events : [b]), z.array(WebhookEvent).min(1, 'No events').max(500, 'At most 500 events per delivery'));

const SIGNATURE_PROBLEMS: Record<Exclude<SignatureCheck, 'ok'>, string> = {
  missing: 'Send X-PDP-Timestamp and X-PDP-Signature headers.',
  stale: 'The X-PDP-Timestamp is more than 5 minutes away from now; sign each delivery when you send it.',
  bad: 'The X-PDP-Signature does not match the body; sign timestamp + "." + raw body with your signing secret.',
};

async function requireActivities(tenantId: TenantId, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)];
  const found = await catalog.getActivities(tenantId, unique.map((id) => new Types.ObjectId(id)));
  if (found.length !== unique.length) throw new Invalid('An activityId is not in the catalog; nothing was recorded.');
}

/** A generic webhook delivery: HMAC-signed JSON, one event or {events: [...]}; all or nothing. */
export async function receiveWebhook(token: string | undefined, rawBody: string, headers: { timestamp?: string; signature?: string }): Promise<BatchResult> {
  const source = await sourceForDelivery('webhook', token);
  return acceptDelivery(source, async () => {
    const check = source.sealedSigningSecret ? checkDelivery(unseal(source.sealedSigningSecret), headers, rawBody) : 'bad';
    if (check !== 'ok') throw new AppError(401, 'Signature rejected', SIGNATURE_PROBLEMS[check]);
    const events = WebhookBody.parse(parseJson(rawBody));
    await requireActivities(source.tenantId, events.flatMap((e) => (e.activityId ? [e.activityId] : [])));
    const inputs = events.map<CompletionInput>((e) => ({
      source: 'webhook',
      system: e.course?.system,
      courseId: e.course?.id,
      courseTitle: e.course?.title,
      activityId: e.activityId ? new Types.ObjectId(e.activityId) : undefined,
      lmsUserId: e.user.id,
      userIdKind: e.user.idType,
      userEmail: e.user.email,
      userName: e.user.name,
      completedAt: new Date(e.completedAt),
      hours: e.hours,
      externalKey: e.id,
      payload: e,
    }));
    return ingestBatch(source.tenantId, 'webhook', inputs);
  });
}

// ---------------------------------------------------------------------------------------------
// Processing: match the person and the activity, then apply to every current plan.

/** Starts matching these events now, in the background (the delivery has already been answered). */
export function processSoon(tenantId: TenantId, eventIds: Types.ObjectId[]): void {
  if (!eventIds.length) return;
  inBackground('processing', async () => {
    for (const id of eventIds) await processEvent(tenantId, id);
  });
}

interface Claimed {
  event: CompletionEventDoc;
  lease: string;
}

/** Takes the event for this processor if it is pending and nobody holds it (conditional update). */
async function claim(tenantId: TenantId, eventId: Types.ObjectId, now: Date): Promise<Claimed | undefined> {
  const lease = `${PROCESS_OWNER}:${new Types.ObjectId().toHexString()}`;
  const event = await CompletionEvent.findOneAndUpdate(
    scoped(tenantId, { _id: eventId, status: { $in: PENDING_STATUSES }, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: now } }] }),
    { $set: { leaseOwner: lease, leaseUntil: new Date(now.getTime() + LEASE_MS) }, $inc: { attempts: 1 } },
    { new: true },
  ).lean<CompletionEventDoc>();
  return event ? { event, lease } : undefined;
}

const ID_KIND_LABELS: Record<UserIdKind, string> = { sub: 'LTI user id', canvasId: 'Canvas user id', moodleId: 'Moodle user id', email: 'email', sourcedId: 'SIS id' };

async function matchPerson(tenantId: TenantId, ev: CompletionEventDoc): Promise<UserDoc | null> {
  const byId = await users.findByAlias(tenantId, ev.userIdKind as UserIdKind, ev.lmsUserId);
  if (byId || !ev.userEmail || ev.userIdKind === 'email') return byId;
  return users.findByAlias(tenantId, 'email', ev.userEmail);
}

async function matchActivities(tenantId: TenantId, ev: CompletionEventDoc): Promise<catalog.ActivityDoc[]> {
  if (ev.activityId) return catalog.getActivities(tenantId, [ev.activityId]);
  const mapping = await CompletionMapping.findOne(scoped(tenantId, { system: ev.system, courseId: ev.courseId })).lean<CompletionMappingDoc>();
  if (mapping) return catalog.getActivities(tenantId, [mapping.activityId]);
  return ev.system === 'lms' && ev.courseId ? catalog.activitiesForLmsCourse(tenantId, ev.courseId) : [];
}

function courseName(ev: Pick<CompletionEventDoc, 'courseId' | 'courseTitle' | 'system'>): string {
  const id = ev.system && ev.system !== 'lms' ? `${ev.system} course ${ev.courseId}` : `course ${ev.courseId}`;
  return ev.courseTitle ? `${ev.courseTitle} (${id})` : id;
}

interface Outcome {
  status: EventStatus;
  reason: string;
  set: Record<string, unknown>;
  entries: TimelineEntry[];
}

/**
 * Finds what and who the event is about (the course first: PD staff can act on an unmapped course at
 * once); persists "matched" so a crash after this resumes from here.
 */
async function match(tenantId: TenantId, c: Claimed): Promise<Outcome | { userId: Types.ObjectId; activityIds: Types.ObjectId[] }> {
  const ev = c.event;
  if (ev.status === 'matched' && ev.userId && ev.activityIds.length) return { userId: ev.userId, activityIds: ev.activityIds };
  const activities = await matchActivities(tenantId, ev);
  if (!activities.length) {
    const reason = `${courseName(ev)} is not mapped to a catalog activity; matched when PD staff add a mapping.`;
    return { status: 'unmatched-course', reason, set: {}, entries: [entry('unmatched-course', reason)] };
  }
  const person = await matchPerson(tenantId, ev);
  if (!person) {
    const reason = `No one with ${ID_KIND_LABELS[ev.userIdKind as UserIdKind]} ${ev.lmsUserId}${ev.userEmail && ev.userIdKind !== 'email' ? ` or email ${ev.userEmail}` : ''} is known yet; matched when they first open PD Pathways.`;
    return { status: 'unmatched-user', reason, set: {}, entries: [entry('unmatched-user', reason)] };
  }
  const activityIds = activities.map((a) => a._id);
  const detail = `${person.name || person.aliases?.email || 'Person'} → ${activities.map((a) => a.title).join(', ')}`;
  const saved = await CompletionEvent.updateOne(scoped(tenantId, { _id: ev._id, leaseOwner: c.lease }), { $set: { status: 'matched', reason: '', userId: person._id, activityIds }, $push: pushTimeline(entry('matched', detail)) });
  if (!saved.modifiedCount) throw new Error('lease lost while matching');
  return { userId: person._id, activityIds };
}

const PLAN_SOURCE: Record<SourceKind, 'lms' | 'csv' | 'webhook'> = { 'canvas-live': 'lms', 'canvas-rest': 'lms', 'moodle-ws': 'lms', webhook: 'webhook', csv: 'csv' };

/** The one place completions reach plans: monotonic and idempotent on the plans side. */
async function applyToPlans(tenantId: TenantId, ev: CompletionEventDoc, userId: Types.ObjectId, activityIds: Types.ObjectId[]) {
  const results = [];
  for (const activityId of activityIds) {
    const r = await plans.applyActivityCompletion(tenantId, { userId, activityId, completedAt: ev.completedAt, source: PLAN_SOURCE[ev.source as SourceKind], eventId: ev._id, hours: ev.hours ?? undefined });
    results.push({ activityId, ...r });
  }
  return results;
}

async function apply(tenantId: TenantId, ev: CompletionEventDoc, userId: Types.ObjectId, activityIds: Types.ObjectId[]): Promise<Outcome> {
  const results = await applyToPlans(tenantId, ev, userId, activityIds);
  const applied = results.flatMap((r) => r.applied.map((a) => ({ activityId: r.activityId, planId: a.planId, goalId: a.goalId })));
  const set = { userId, activityIds, applied: [...(ev.applied ?? []), ...applied] };
  if (applied.length) {
    const reason = `Marked done in ${applied.length} goal${applied.length === 1 ? '' : 's'}.`;
    return { status: 'applied', reason, set, entries: [entry('applied', reason)] };
  }
  if (results.every((r) => r.notInPlan)) {
    const reason = 'The activity is not in this person’s current plan.';
    return { status: 'not-in-plan', reason, set, entries: [entry('not-in-plan', reason)] };
  }
  const status = ev.applied?.length ? 'applied' : 'ignored-duplicate';
  const reason = 'Already done in every plan that has it (the first completion counts).';
  return { status, reason, set, entries: [entry('ignored-duplicate', reason)] };
}

async function finish(tenantId: TenantId, c: Claimed, outcome: Outcome): Promise<void> {
  await CompletionEvent.updateOne(scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }), {
    $set: { status: outcome.status, reason: outcome.reason, ...outcome.set },
    $unset: { leaseOwner: 1, leaseUntil: 1, nextAttemptAt: 1, lastError: 1 },
    $push: pushTimeline(...outcome.entries),
  });
}

/** Leaves the event pending with a growing delay; the processor job tries again. */
async function retryLater(tenantId: TenantId, c: Claimed, err: unknown, now: Date): Promise<void> {
  const message = (err as Error).message ?? String(err);
  const delay = Math.min(MAX_RETRY_MS, 5000 * 2 ** Math.min(c.event.attempts ?? 1, 12));
  logger().error({ err, eventId: String(c.event._id) }, 'completion event failed; will retry');
  await CompletionEvent.updateOne(scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }), {
    $set: { lastError: message, nextAttemptAt: new Date(now.getTime() + delay) },
    $unset: { leaseOwner: 1, leaseUntil: 1 },
    $push: pushTimeline(entry('error', `${message}; retrying in ${Math.round(delay / 1000)} s`)),
  });
}

async function notifyApplied(tenantId: TenantId, ev: CompletionEventDoc, outcome: Outcome, userId: Types.ObjectId): Promise<void> {
  if (outcome.status !== 'applied' || !(outcome.set.applied as unknown[]).length) return;
  await notifications.notify(tenantId, {
    userId,
    kind: 'completion.synced',
    title: `${courseInWords(ev)} was completed in your LMS`,
    body: 'It is marked done in your plan.',
    dedupeKey: `completion:${String(ev._id)}`,
  });
}

/**
 * Processes one event if it is pending and free: at most one processor works on it at a time,
 * and a crash anywhere leaves it pending for the processor job (plans apply idempotently).
 */
export async function processEvent(tenantId: TenantId, eventId: Types.ObjectId, now = new Date()): Promise<EventStatus | undefined> {
  const c = await claim(tenantId, eventId, now);
  if (!c) return undefined;
  try {
    const matched = await match(tenantId, c);
    if ('status' in matched) {
      await finish(tenantId, c, matched);
      return matched.status;
    }
    const outcome = await apply(tenantId, c.event, matched.userId, matched.activityIds);
    await finish(tenantId, c, outcome);
    await notifyApplied(tenantId, c.event, outcome, matched.userId);
    return outcome.status;
  } catch (err) {
    await retryLater(tenantId, c, err, now);
    return undefined;
  }
}

/**
 * The processor job: events left received or matched (a crash, a restart, a failed try) in every
 * tenant. `asOf` is the clock the job reads; leases and retry times are compared with it.
 */
export async function processPending(opts: { asOf?: Date; limit?: number } = {}): Promise<number> {
  const asOf = opts.asOf ?? new Date();
  let processed = 0;
  for (const tenant of await tenants.listTenants()) {
    const due = await CompletionEvent.find(
      scoped(tenant._id, {
        status: { $in: PENDING_STATUSES },
        $and: [{ $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: null }, { nextAttemptAt: { $lte: asOf } }] }, { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: asOf } }] }],
      }),
    )
      .sort({ receivedAt: 1 })
      .limit(opts.limit ?? 200)
      .select('_id')
      .lean<{ _id: Types.ObjectId }[]>();
    for (const { _id } of due) if (await processEvent(tenant._id, _id, asOf)) processed++;
  }
  return processed;
}

// ---------------------------------------------------------------------------------------------
// Replay: unmatched events go round again when an identity or a mapping appears, or on request.

async function requeue(tenantId: TenantId, filter: Record<string, unknown>, detail: string): Promise<number> {
  const docs = await CompletionEvent.find(scoped(tenantId, { $and: [filter, { status: { $nin: PENDING_STATUSES } }] })).select('_id').limit(5000).lean<{ _id: Types.ObjectId }[]>();
  const ids = docs.map((d) => d._id);
  if (!ids.length) return 0;
  await CompletionEvent.updateMany(scoped(tenantId, { _id: { $in: ids }, status: { $nin: PENDING_STATUSES } }), {
    $set: { status: 'received', reason: '', activityIds: [] },
    $unset: { userId: 1, nextAttemptAt: 1, lastError: 1 },
    $push: pushTimeline(entry('replay', detail)),
  });
  processSoon(tenantId, ids);
  return ids.length;
}

/** 'user.launched': a person's first launch (or a new alias) matches the events that waited for them. */
export async function replayForPerson(payload: { tenantId: TenantId; userId: Types.ObjectId; learnedAliases: boolean }): Promise<void> {
  if (!payload.learnedAliases) return;
  const person = await users.getUser(payload.tenantId, payload.userId);
  const ids: Record<string, unknown>[] = [];
  if (person.sub) ids.push({ userIdKind: 'sub', lmsUserId: person.sub });
  for (const kind of ['canvasId', 'moodleId', 'sourcedId', 'email'] as const) {
    const value = person.aliases?.[kind];
    if (value) ids.push({ userIdKind: kind, lmsUserId: value });
  }
  if (person.aliases?.email) ids.push({ userEmail: person.aliases.email });
  if (!ids.length) return;
  await requeue(payload.tenantId, { status: 'unmatched-user', $or: ids }, `${person.name || 'The person'} opened PD Pathways; matching again`);
}

/** 'plan.status': a submitted, approved or renewed plan may now hold activities the person already completed. */
export async function replayForPlan(payload: { tenantId: TenantId; userId: Types.ObjectId; status: string }): Promise<void> {
  if (!['submitted', 'approved', 'renewed'].includes(payload.status)) return;
  await requeue(payload.tenantId, { userId: payload.userId, status: 'not-in-plan' }, `The plan was ${payload.status}; applying completions it did not have before`);
}

export async function replayEvent(tenantId: TenantId, eventId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const ev = await getEvent(tenantId, eventId);
  if (PENDING_STATUSES.includes(ev.status as EventStatus)) throw new Conflict('This event is already waiting to be processed.');
  await requeue(tenantId, { _id: ev._id }, `Replayed by ${by.name}`);
  await audit.record(tenantId, { actor: by, action: 'completion-event.replayed', subject: { kind: 'completion-event', id: ev._id }, before: { status: ev.status } });
}

// ---------------------------------------------------------------------------------------------
// Mappings

export const MappingInput = z.object({
  system: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'Choose the course system').default('lms'),
  courseId: z.string().trim().regex(/^[\w.:@-]{1,100}$/, 'Enter the course id as the LMS shows it (letters, digits, . : - _)'),
  activityId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose an activity'),
});

export function listMappings(tenantId: TenantId): Promise<CompletionMappingDoc[]> {
  return CompletionMapping.find(scoped(tenantId)).sort({ courseTitle: 1, courseId: 1 }).lean<CompletionMappingDoc[]>();
}

async function knownCourseTitle(tenantId: TenantId, system: string, courseId: string): Promise<string> {
  if (system === 'lms') {
    const context = (await tenants.listContexts(tenantId)).find((c) => c.lmsCourseId === courseId && c.title);
    if (context) return context.title;
  }
  const seen = await CompletionEvent.findOne(scoped(tenantId, { system, courseId, courseTitle: { $nin: ['', null] } })).select('courseTitle').lean<{ courseTitle: string }>();
  return seen?.courseTitle ?? '';
}

/** Completions sent without a course title get the one already known (a launch from the course, an earlier event). */
async function withKnownTitles(tenantId: TenantId, inputs: CompletionInput[]): Promise<CompletionInput[]> {
  const known = new Map<string, string>();
  const keyOf = (i: CompletionInput) => (i.courseId && !i.courseTitle ? `${i.system ?? 'lms'} ${i.courseId}` : undefined);
  for (const i of inputs) {
    const key = keyOf(i);
    if (key && !known.has(key)) known.set(key, await knownCourseTitle(tenantId, i.system ?? 'lms', i.courseId!));
  }
  return inputs.map((i) => {
    const title = known.get(keyOf(i) ?? '');
    return title ? { ...i, courseTitle: title } : i;
  });
}

/** Maps a platform course to a catalog activity and replays the course's unmatched events. */
export async function createMapping(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<{ mapping: CompletionMappingDoc; replayed: number }> {
  const parsed = MappingInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The mapping has problems; nothing was saved.', fieldErrors(parsed.error));
  const { system, courseId, activityId } = parsed.data;
  const activity = await catalog.getActivity(tenantId, activityId).catch(() => undefined);
  if (!activity) throw new Invalid('The mapping has problems; nothing was saved.', { activityId: 'That activity is not in the catalog' });
  const courseTitle = await knownCourseTitle(tenantId, system, courseId);
  let mapping: CompletionMappingDoc;
  try {
    mapping = (await CompletionMapping.create({ tenantId, system, courseId, courseTitle, activityId: activity._id, createdBy: by })).toObject() as unknown as CompletionMappingDoc;
  } catch (err) {
    if (isDuplicateKey(err)) throw new Invalid('The mapping has problems; nothing was saved.', { courseId: 'This course is already mapped; delete that mapping first' });
    throw err;
  }
  await audit.record(tenantId, { actor: by, action: 'completion-mapping.created', subject: { kind: 'completion-mapping', id: mapping._id }, after: { system, courseId, courseTitle, activity: activity.title } });
  const replayed = await requeue(tenantId, { status: 'unmatched-course', system, courseId }, `${courseName({ system, courseId, courseTitle })} mapped to ${activity.title} by ${by.name}`);
  return { mapping, replayed };
}

export async function deleteMapping(tenantId: TenantId, mappingId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const mapping = await CompletionMapping.findOneAndDelete(scoped(tenantId, { _id: mappingId })).lean<CompletionMappingDoc>();
  if (!mapping) throw new NotFound('That mapping');
  await audit.record(tenantId, { actor: by, action: 'completion-mapping.deleted', subject: { kind: 'completion-mapping', id: mapping._id }, before: { system: mapping.system, courseId: mapping.courseId, activityId: String(mapping.activityId) } });
}

export interface SeenCourse {
  system: string;
  courseId: string;
  title: string;
  events: number;
  unmatched: number;
  launched: boolean;
  mapping?: CompletionMappingDoc;
  /** Catalog activities that name this course as their lmsCourseId (implicit mappings). */
  linkedActivities: string[];
}

/** Courses seen in launches and in completion events, with how each is mapped; filtered by id or title. */
export async function coursesSeen(tenantId: TenantId, q = ''): Promise<SeenCourse[]> {
  const courses = new Map<string, SeenCourse>();
  const at = (system: string, courseId: string) => {
    const key = `${system} ${courseId}`;
    if (!courses.has(key)) courses.set(key, { system, courseId, title: '', events: 0, unmatched: 0, launched: false, linkedActivities: [] });
    return courses.get(key)!;
  };
  for (const c of await tenants.listContexts(tenantId)) {
    if (!c.lmsCourseId) continue;
    const course = at('lms', c.lmsCourseId);
    Object.assign(course, { launched: true, title: course.title || c.title || '' });
  }
  const groups = await CompletionEvent.aggregate<{ _id: { system: string; courseId: string }; title: string; events: number; unmatched: number }>(
    scopedPipeline(tenantId, { courseId: { $exists: true } }, [
      { $group: { _id: { system: '$system', courseId: '$courseId' }, title: { $max: '$courseTitle' }, events: { $sum: 1 }, unmatched: { $sum: { $cond: [{ $eq: ['$status', 'unmatched-course'] }, 1, 0] } } } },
    ]),
  );
  for (const g of groups) Object.assign(at(g._id.system, g._id.courseId), { events: g.events, unmatched: g.unmatched }, g.title ? { title: g.title } : {});
  for (const m of await listMappings(tenantId)) at(m.system, m.courseId).mapping = m;
  for (const a of await catalog.listActivities(tenantId, { includeRetired: true })) if (a.lmsCourseId) at('lms', a.lmsCourseId).linkedActivities.push(a.title);
  const needle = q.trim().toLowerCase();
  return [...courses.values()]
    .filter((c) => !needle || c.courseId.toLowerCase().includes(needle) || c.title.toLowerCase().includes(needle))
    .sort((a, b) => b.unmatched - a.unmatched || (a.title || a.courseId).localeCompare(b.title || b.courseId));
}

export function searchActivities(tenantId: TenantId, text: string): Promise<catalog.ActivityDoc[]> {
  return catalog.listActivities(tenantId, { text: text.trim() || undefined });
}

// ---------------------------------------------------------------------------------------------
// The ledger and the summary reports read

export interface LedgerFilter {
  status?: EventStatus;
  source?: SourceKind;
  q?: string;
  limit?: number;
}

/** Newest first; `ignored-duplicate` also finds events that were delivered more than once. */
export async function listEvents(tenantId: TenantId, f: LedgerFilter = {}): Promise<CompletionEventDoc[]> {
  const and: Record<string, unknown>[] = [];
  if (f.status === 'ignored-duplicate') and.push({ $or: [{ status: 'ignored-duplicate' }, { duplicates: { $gt: 0 } }] });
  else if (f.status) and.push({ status: f.status });
  if (f.source) and.push({ source: f.source });
  const q = f.q?.trim();
  if (q) {
    const rx = { $regex: escapeRegex(q), $options: 'i' };
    const people = (await users.searchUsers(tenantId, q, 50)).map((u) => u._id);
    and.push({ $or: [{ userName: rx }, { userEmail: rx }, { lmsUserId: rx }, { courseId: rx }, { courseTitle: rx }, { userId: { $in: people } }] });
  }
  return CompletionEvent.find(scoped(tenantId, and.length ? { $and: and } : {}))
    .sort({ receivedAt: -1 })
    .limit(f.limit ?? 100)
    .select('-payload')
    .lean<CompletionEventDoc[]>();
}

export async function getEvent(tenantId: TenantId, eventId: Types.ObjectId | string): Promise<CompletionEventDoc> {
  const ev = Types.ObjectId.isValid(eventId) ? await CompletionEvent.findOne(scoped(tenantId, { _id: eventId })).lean<CompletionEventDoc>() : null;
  if (!ev) throw new NotFound('That completion event');
  return ev;
}

/** A teacher's own synced completions (their dashboard's sync history). */
export function recentForPerson(tenantId: TenantId, userId: Types.ObjectId, limit = 5): Promise<CompletionEventDoc[]> {
  return CompletionEvent.find(scoped(tenantId, { userId, status: { $in: ['applied', 'not-in-plan', 'ignored-duplicate'] } }))
    .sort({ completedAt: -1 })
    .limit(limit)
    .select('-payload -timeline')
    .lean<CompletionEventDoc[]>();
}

export interface UnmatchedCourse {
  system: string;
  courseId: string;
  title: string;
  events: number;
}

export interface SyncSummary {
  total: number;
  byStatus: Record<EventStatus, number>;
  bySource: Record<SourceKind, Record<EventStatus, number>>;
  sources: { kind: SourceKind; label: string; enabled: boolean; lastSyncAt?: Date; lastRun?: { at?: Date; received?: number; duplicates?: number; ok?: boolean }; lastError?: { at?: Date; message?: string }; failing: boolean; stats: { received: number; duplicates: number; rejected: number } }[];
  unmatchedCourses: UnmatchedCourse[];
  unmatchedPeople: number;
}

function zeroCounts(): Record<EventStatus, number> {
  return Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<EventStatus, number>;
}

async function unmatchedCourses(tenantId: TenantId): Promise<UnmatchedCourse[]> {
  const rows = await CompletionEvent.aggregate<{ _id: { system: string; courseId: string }; title: string; events: number }>(
    scopedPipeline(tenantId, { status: 'unmatched-course' }, [
      { $group: { _id: { system: '$system', courseId: '$courseId' }, title: { $max: '$courseTitle' }, events: { $sum: 1 } } },
      { $sort: { events: -1 } },
    ]),
  );
  return rows.map((r) => ({ system: r._id.system, courseId: r._id.courseId, title: r.title ?? '', events: r.events }));
}

/**
 * Completion sync at a glance (for the PD-staff console and reports): events by status and source,
 * each source's last sync, and the courses still waiting for a mapping. Deliveries ignored as
 * duplicates count under ignored-duplicate.
 */
export async function syncSummary(tenantId: TenantId): Promise<SyncSummary> {
  const rows = await CompletionEvent.aggregate<{ _id: { source: SourceKind; status: EventStatus }; n: number; duplicates: number }>(
    scopedPipeline(tenantId, {}, [{ $group: { _id: { source: '$source', status: '$status' }, n: { $sum: 1 }, duplicates: { $sum: '$duplicates' } } }]),
  );
  const byStatus = zeroCounts();
  const bySource = Object.fromEntries(SOURCE_KINDS.map((k) => [k, zeroCounts()])) as Record<SourceKind, Record<EventStatus, number>>;
  let total = 0;
  for (const r of rows) {
    total += r.n;
    for (const counts of [byStatus, bySource[r._id.source]]) {
      counts[r._id.status] += r.n;
      counts['ignored-duplicate'] += r.duplicates;
    }
  }
  const sources = (await listSources(tenantId)).map((s) => ({
    kind: s.kind as SourceKind,
    label: SOURCE_LABELS[s.kind as SourceKind],
    enabled: s.enabled,
    lastSyncAt: s.lastSyncAt ?? undefined,
    lastRun: s.lastRun?.at ? { at: s.lastRun.at, received: s.lastRun.received ?? 0, duplicates: s.lastRun.duplicates ?? 0, ok: s.lastRun.ok ?? true } : undefined,
    lastError: s.lastError?.message ? { at: s.lastError.at ?? undefined, message: s.lastError.message } : undefined,
    failing: isFailing(s),
    stats: { received: s.stats?.received ?? 0, duplicates: s.stats?.duplicates ?? 0, rejected: s.stats?.rejected ?? 0 },
  }));
  return { total, byStatus, bySource, sources, unmatchedCourses: await unmatchedCourses(tenantId), unmatchedPeople: byStatus['unmatched-user'] };
}

/** A source is failing while its latest outcome is an error: a successful sync after it clears the status. */
export function isFailing(s: Pick<CompletionSourceDoc, 'lastError' | 'lastSyncAt'>): boolean {
  const errorAt = s.lastError?.message ? (s.lastError.at?.getTime() ?? 0) : undefined;
  return errorAt !== undefined && errorAt >= (s.lastSyncAt?.getTime() ?? -1);
}

// ---------------------------------------------------------------------------------------------
// Pollers (src/jobs/completions.ts drives them)

function isDue(source: CompletionSourceDoc, now: Date): boolean {
  const last = source.lastRun?.at;
  return !last || now.getTime() - last.getTime() >= (source.pollMinutes ?? 15) * 60_000;
}

/** Enabled, fully configured pollers of this kind whose interval has passed, across tenants. */
export async function duePollers(kind: PollKind, now = new Date()): Promise<CompletionSourceDoc[]> {
  const due: CompletionSourceDoc[] = [];
  for (const tenant of await tenants.listTenants()) {
    const source = await CompletionSource.findOne(scoped(tenant._id, { kind, enabled: true })).lean<CompletionSourceDoc>();
    if (source?.baseUrl && source.sealedApiToken && isDue(source, now)) due.push(source);
  }
  return due;
}

export function pollerCredentials(source: CompletionSourceDoc): { baseUrl: string; token: string } {
  return { baseUrl: source.baseUrl!, token: unseal(source.sealedApiToken!) };
}

/** Platform courses worth polling: explicitly mapped ones and those catalog activities name. */
export async function mappedCourseIds(tenantId: TenantId): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of await listMappings(tenantId)) if (m.system === 'lms') ids.add(m.courseId);
  for (const a of await catalog.listActivities(tenantId, { includeRetired: true })) if (a.lmsCourseId) ids.add(a.lmsCourseId);
  return [...ids].sort();
}

export function watermark(source: CompletionSourceDoc, courseId: string): Date | undefined {
  return source.watermarks?.find((w) => w.courseId === courseId)?.through ?? undefined;
}

const POLL_ID_KIND: Record<PollKind, UserIdKind> = { 'canvas-rest': 'canvasId', 'moodle-ws': 'moodleId' };

/** LMS user ids that already have a completion of this course from this poller. */
export async function recordedLearners(tenantId: TenantId, kind: PollKind, courseId: string): Promise<Set<string>> {
  const rows = await CompletionEvent.find(scoped(tenantId, { source: kind, system: 'lms', courseId })).select('lmsUserId').lean<{ lmsUserId: string }[]>();
  return new Set(rows.map((r) => r.lmsUserId));
}

/** Records the completions the ledger does not have yet; those it has are left out rather than counted as duplicates. */
export async function ingestNew(tenantId: TenantId, inputs: CompletionInput[]): Promise<BatchResult> {
  const keys = inputs.map(idempotencyKey);
  const known = new Set((await CompletionEvent.find(scoped(tenantId, { idempotencyKey: { $in: keys } })).select('idempotencyKey').lean<{ idempotencyKey: string }[]>()).map((e) => e.idempotencyKey));
  const fresh = inputs.filter((_, i) => !known.has(keys[i]!));
  const total: BatchResult = { received: 0, duplicates: 0 };
  for (const kind of new Set(fresh.map((i) => i.source))) {
    const r = await ingestBatch(tenantId, kind, fresh.filter((i) => i.source === kind));
    total.received += r.received;
    total.duplicates += r.duplicates;
  }
  return total;
}

/** What a poller found: every poll sees all completions of a course again, so only new ones are recorded. */
export function ingestPolled(tenantId: TenantId, kind: PollKind, completions: LmsCompletion[]): Promise<BatchResult> {
  return ingestNew(tenantId, completions.map((c) => fromLms(kind, c, POLL_ID_KIND[kind])));
}

export interface PollRun {
  received: number;
  duplicates: number;
  error?: string;
  watermarks: { courseId: string; through?: Date }[];
}

/** Ends a poll: last run and its counts, the error if any, and each polled course's watermark. */
export async function recordPoll(tenantId: TenantId, kind: PollKind, run: PollRun, now = new Date()): Promise<void> {
  const source = await getSource(tenantId, kind);
  const marks = new Map((source.watermarks ?? []).map((w) => [w.courseId, { courseId: w.courseId, through: w.through ?? undefined, polledAt: w.polledAt ?? undefined }]));
  for (const w of run.watermarks) marks.set(w.courseId, { courseId: w.courseId, through: w.through ?? marks.get(w.courseId)?.through, polledAt: now });
  const set: Record<string, unknown> = { lastRun: { at: now, received: run.received, duplicates: run.duplicates, ok: !run.error }, watermarks: [...marks.values()] };
  if (run.error) set.lastError = { at: now, message: run.error };
  else set.lastSyncAt = now;
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $set: set });
}

// ---------------------------------------------------------------------------------------------
// CSV import: preview (all rows checked, nothing written), then a resumable job writes the rows.

export const CSV_COLUMNS = ['email', 'lms_id', 'course_id', 'activity_id', 'activity_title', 'completed_on', 'hours', 'certificate', 'name'] as const;
export const MAX_IMPORT_ROWS = 10_000;
const IMPORT_BATCH = 100;

export interface RowError {
  line: number;
  field: string;
  message: string;
}

/** A checked CSV row as it waits in the import document. */
interface ImportRow {
  line: number;
  email?: string;
  lmsUserId?: string;
  courseId?: string;
  activityId?: string;
  activityTitle?: string;
  completedAt: string;
  hours?: number;
  certificate?: string;
  name?: string;
}

export type ImportPreview = { ok: true; importId: Types.ObjectId; total: number; sample: ImportRow[] } | { ok: false; total: number; errors: RowError[] };

const EARLIEST = Date.UTC(1990, 0, 1);
const optionalCell = (max: number) => z.preprocess(blank, z.string().max(max, `Keep it under ${max} characters`).optional());

const CsvRow = z
  .object({
    email: z.preprocess(blank, z.string().email('Not an email address').max(200).optional()),
    lms_id: z.preprocess(blank, z.string().regex(/^[\w.:@-]{1,100}$/, 'Use the LMS user id (letters, digits, . : @ - _)').optional()),
    course_id: z.preprocess(blank, z.string().regex(/^[\w.:@-]{1,100}$/, 'Use the LMS course id (letters, digits, . : @ - _)').optional()),
    activity_id: z.preprocess(blank, z.string().regex(/^[a-f0-9]{24}$/i, 'Not an activity id').optional()),
    activity_title: optionalCell(200),
    completed_on: z.preprocess(
      blank,
      z
        .string('Give the completion date (YYYY-MM-DD)')
        .refine((v) => !Number.isNaN(Date.parse(v)), 'Give the date as YYYY-MM-DD')
        .refine((v) => Date.parse(v) >= EARLIEST, 'The date is before 1990')
        .refine((v) => Date.parse(v) <= Date.now() + 86_400_000, 'The date is in the future'),
    ),
    hours: z.preprocess(blank, z.coerce.number('Give hours as a number').min(0, 'Hours cannot be negative').max(500, 'At most 500 hours').optional()),
    certificate: optionalCell(500),
    name: optionalCell(200),
  })
  .refine((r) => r.email || r.lms_id, { message: 'Give the person’s email or LMS user id', path: ['email'] })
  .refine((r) => r.course_id || r.activity_id || r.activity_title, { message: 'Give a course id, activity id or activity title', path: ['course_id'] });

/** The file's rows by column, or what is wrong with the file as a whole. */
function readRows(text: string): { records: CsvRecord[] } | { error: string } {
  let records: CsvRecord[];
  try {
    records = readCsv(text, { maxRows: MAX_IMPORT_ROWS });
  } catch (err) {
    if (err instanceof Invalid) return { error: err.fields.file ?? err.message };
    throw err;
  }
  const unknown = Object.keys(records[0]!.fields).filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) return { error: `Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Columns are: ${CSV_COLUMNS.join(', ')}.` };
  return { records };
}

/** Resolves activity ids and titles against the catalog (titles case-insensitively, and only when unambiguous). */
async function activityResolver(tenantId: TenantId) {
  const all = await catalog.listActivities(tenantId, { includeRetired: true });
  const ids = new Set(all.map((a) => String(a._id)));
  const byTitle = new Map<string, string[]>();
  for (const a of all) byTitle.set(a.title.toLowerCase(), [...(byTitle.get(a.title.toLowerCase()) ?? []), String(a._id)]);
  return (row: { activity_id?: string; activity_title?: string }): { activityId?: string; error?: RowError['message'] } => {
    if (row.activity_id) return ids.has(row.activity_id.toLowerCase()) ? { activityId: row.activity_id.toLowerCase() } : { error: 'No activity with this id in the catalog' };
    if (!row.activity_title) return {};
    const matches = byTitle.get(row.activity_title.toLowerCase()) ?? [];
    if (matches.length === 1) return { activityId: matches[0] };
    return { error: matches.length ? 'Several activities have this title; use activity_id' : 'No activity with this title in the catalog' };
  };
}

/** Checks every row; a valid file is kept for confirmation, an invalid one is reported and nothing is stored. */
export async function previewImport(tenantId: TenantId, file: { name: string; text: string }, by: ChangedBy): Promise<ImportPreview> {
  const read = readRows(file.text);
  if ('error' in read) return { ok: false, total: 0, errors: [{ line: 1, field: 'file', message: read.error }] };
  const resolve = await activityResolver(tenantId);
  const errors: RowError[] = [];
  const rows: ImportRow[] = [];
  for (const { line, fields } of read.records) {
    const parsed = CsvRow.safeParse(fields);
    if (!parsed.success) {
      for (const [field, message] of Object.entries(fieldErrors(parsed.error))) errors.push({ line, field, message });
      continue;
    }
    const r = parsed.data;
    const activity = r.course_id ? {} : resolve(r);
    if (activity.error) {
      errors.push({ line, field: r.activity_id ? 'activity_id' : 'activity_title', message: activity.error });
      continue;
    }
    rows.push({ line, email: r.email, lmsUserId: r.lms_id, courseId: r.course_id, activityId: activity.activityId, activityTitle: r.activity_title, completedAt: new Date(r.completed_on).toISOString(), hours: r.hours, certificate: r.certificate, name: r.name });
  }
  if (errors.length) return { ok: false, total: read.records.length, errors };
  const doc = await CompletionImport.create({ tenantId, fileName: file.name.slice(0, 200), rows, total: rows.length, createdBy: by });
  return { ok: true, importId: doc._id, total: rows.length, sample: rows.slice(0, 10) };
}

export async function getImport(tenantId: TenantId, importId: Types.ObjectId | string): Promise<CompletionImportDoc> {
  const doc = Types.ObjectId.isValid(importId) ? await CompletionImport.findOne(scoped(tenantId, { _id: importId })).select('-rows').lean<CompletionImportDoc>() : null;
  if (!doc) throw new NotFound('That import');
  return doc;
}

/** Confirms a previewed file: the import runs in the background and resumes after a restart. */
export async function startImport(tenantId: TenantId, importId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const csv = await getSource(tenantId, 'csv');
  if (!csv.enabled) throw new Conflict('CSV import is turned off for this district.');
  const started = await CompletionImport.findOneAndUpdate(scoped(tenantId, { _id: importId, status: 'previewed' }), { $set: { status: 'running', startedAt: new Date() } }, { new: true }).select('-rows').lean<CompletionImportDoc>();
  if (!started) throw new Conflict('This import has already been started.');
  await audit.record(tenantId, { actor: by, action: 'completion-import.started', subject: { kind: 'completion-import', id: importId }, after: { file: started.fileName, rows: started.total } });
  inBackground('CSV import', () => runImport(tenantId, importId).then(() => undefined));
}

function csvInput(row: ImportRow, lmsIdKind: UserIdKind): CompletionInput {
  const lmsUserId = row.lmsUserId ?? row.email!;
  return {
    source: 'csv',
    courseId: row.courseId,
    activityId: row.activityId ? new Types.ObjectId(row.activityId) : undefined,
    courseTitle: row.activityTitle,
    lmsUserId,
    userIdKind: row.lmsUserId ? lmsIdKind : 'email',
    userEmail: row.email,
    userName: row.name,
    completedAt: new Date(row.completedAt),
    hours: row.hours,
    payload: { line: row.line, ...(row.certificate ? { certificate: row.certificate } : {}) },
  };
}

const TENANT_ID_KIND: Record<string, UserIdKind> = { canvas: 'canvasId', moodle: 'moodleId', other: 'sub' };

/** Writes the rows of a running import in batches, under a lease, from where it stopped; returns false if another process holds it. */
export async function runImport(tenantId: TenantId, importId: Types.ObjectId, now = new Date()): Promise<boolean> {
  const lease = `${PROCESS_OWNER}:${new Types.ObjectId().toHexString()}`;
  const leaseFor = () => new Date(Math.max(Date.now(), now.getTime()) + LEASE_MS);
  const job = await CompletionImport.findOneAndUpdate(
    scoped(tenantId, { _id: importId, status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: now } }] }),
    { $set: { leaseOwner: lease, leaseUntil: leaseFor() } },
    { new: true },
  ).lean<CompletionImportDoc & { rows: ImportRow[] }>();
  if (!job) return false;
  const idKind = TENANT_ID_KIND[(await tenants.getTenant(tenantId)).family] ?? 'sub';
  for (let from = job.done; from < job.total; from += IMPORT_BATCH) {
    const batch = job.rows.slice(from, from + IMPORT_BATCH).map((r) => csvInput(r, idKind));
    const result = await ingestBatch(tenantId, 'csv', batch);
    const saved = await CompletionImport.updateOne(scoped(tenantId, { _id: importId, leaseOwner: lease }), {
      $set: { done: Math.min(job.total, from + IMPORT_BATCH), leaseUntil: leaseFor() },
      $inc: { received: result.received, duplicates: result.duplicates },
    });
    if (!saved.modifiedCount) return false;
  }
  await CompletionImport.updateOne(scoped(tenantId, { _id: importId, leaseOwner: lease }), { $set: { status: 'finished', finishedAt: new Date() }, $unset: { leaseOwner: 1, leaseUntil: 1 } });
  return true;
}

/** The import job: running imports nobody holds (their process stopped) continue where they were. */
export async function resumeImports(asOf = new Date()): Promise<void> {
  for (const tenant of await tenants.listTenants()) {
    const stalled = await CompletionImport.find(scoped(tenant._id, { status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: asOf } }] })).select('_id').lean<{ _id: Types.ObjectId }[]>();
    for (const { _id } of stalled) await runImport(tenant._id, _id, asOf);
  }
}

on('user.launched', replayForPerson);
on('plan.status', replayForPlan);
/** A deleted person's ledger entries go too: they carry LMS ids and e-mail addresses. */
on('user.data-deleted', async ({ tenantId, userId }) => {
  await CompletionEvent.deleteMany(scoped(tenantId, { userId }));
});
