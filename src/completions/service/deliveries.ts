import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { readLiveEvent, verifyLiveEventJwt } from '../../lms/canvas';
import { checkDelivery, SignatureCheck } from '../../lms/webhook';
import { sameSecret, unseal } from '../../secrets';
import { AppError, fieldErrors, Forbidden, Invalid, NotFound } from '../../kernel/errors';
import { CompletionSource, CompletionSourceDoc, USER_ID_KINDS } from '../model';
import { CompletionInput, HookKind, tenantOfHookToken } from '../rules';
import { CANVAS_LIVE_EVENTS_JWKS, fingerprint } from './common';
import { BatchResult, fromLms, ingestBatch } from './ingest';

// Pushed deliveries: Canvas Live Events and the generic webhook, each to the tenant's secret URL.

/** The enabled source a delivery URL token belongs to; 404 for an unknown token or tenant. */
async function sourceForDelivery(kind: HookKind, token: string | undefined): Promise<CompletionSourceDoc> {
  const tenant = tenantOfHookToken(token);
  const source = tenant ? await CompletionSource.findOne(scoped(new Types.ObjectId(tenant), { kind })).lean<CompletionSourceDoc>() : null;
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

function webhookInput(e: z.infer<typeof WebhookEvent>): CompletionInput {
  return {
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
  };
}

/** A generic webhook delivery: HMAC-signed JSON, one event or {events: [...]}; all or nothing. */
export async function receiveWebhook(token: string | undefined, rawBody: string, headers: { timestamp?: string; signature?: string }): Promise<BatchResult> {
  const source = await sourceForDelivery('webhook', token);
  return acceptDelivery(source, async () => {
    const check = source.sealedSigningSecret ? checkDelivery(unseal(source.sealedSigningSecret), headers, rawBody) : 'bad';
    if (check !== 'ok') throw new AppError(401, 'Signature rejected', SIGNATURE_PROBLEMS[check]);
    const events = WebhookBody.parse(parseJson(rawBody));
    await requireActivities(source.tenantId, events.flatMap((e) => (e.activityId ? [e.activityId] : [])));
    return ingestBatch(source.tenantId, 'webhook', events.map(webhookInput));
  });
}
