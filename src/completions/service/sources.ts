import { z } from 'zod';
import * as audit from '../../audit/service';
import { config } from '../../config';
import { scoped, TenantId } from '../../db/tenancy';
import { seal } from '../../secrets';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import { CompletionSource, CompletionSourceDoc, SOURCE_KINDS, SourceKind } from '../model';
import { HookKind, PollKind, settingsProblems, SOURCE_LABELS } from '../rules';
import { blank, CANVAS_LIVE_EVENTS_JWKS, ChangedBy, checkbox, fingerprint, randomSecret } from './common';
import { isDuplicateKey } from '../../db/writeErrors';

/** The tenant's settings for one source, created (csv on, the others off) the first time it is asked for. */
export async function getSource(tenantId: TenantId, kind: SourceKind): Promise<CompletionSourceDoc> {
  const run = () =>
    CompletionSource.findOneAndUpdate(scoped(tenantId, { kind }), { $setOnInsert: { enabled: kind === 'csv' || kind === 'attendance', ...(kind === 'canvas-live' ? { jwksUrl: CANVAS_LIVE_EVENTS_JWKS } : {}) } }, { upsert: true, new: true }).lean<CompletionSourceDoc>();
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

function settingsSummary(s: Pick<CompletionSourceDoc, 'enabled' | 'baseUrl' | 'jwksUrl' | 'pollMinutes' | 'acceptUnsigned'>) {
  return { enabled: s.enabled, baseUrl: s.baseUrl ?? '', jwksUrl: s.jwksUrl ?? '', pollMinutes: s.pollMinutes, acceptUnsigned: s.acceptUnsigned };
}

function settingsUpdate(kind: SourceKind, input: z.infer<typeof SourceSettingsInput>): Record<string, unknown> {
  const set: Record<string, unknown> = { enabled: input.enabled };
  if (kind === 'canvas-live') Object.assign(set, { jwksUrl: input.jwksUrl, acceptUnsigned: input.acceptUnsigned });
  if (kind === 'canvas-rest' || kind === 'moodle-ws') {
    Object.assign(set, { ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}), ...(input.pollMinutes ? { pollMinutes: input.pollMinutes } : {}) });
    if (input.apiToken) set.sealedApiToken = seal(input.apiToken);
  }
  return set;
}

/** Saves a source's settings from the PD-staff form; an API token is sealed before it is stored. */
export async function configureSource(tenantId: TenantId, kind: SourceKind, raw: unknown, by: ChangedBy): Promise<CompletionSourceDoc> {
  const before = await getSource(tenantId, kind);
  const parsed = SourceSettingsInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The settings have problems; nothing was saved.', fieldErrors(parsed.error));
  const input = parsed.data;
  const problems = settingsProblems(kind, input, !!before.sealedApiToken);
  if (Object.keys(problems).length) throw new Invalid('The settings have problems; nothing was saved.', problems);
  const after = (await CompletionSource.findOneAndUpdate(scoped(tenantId, { kind }), { $set: settingsUpdate(kind, input) }, { new: true }).lean<CompletionSourceDoc>())!;
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
