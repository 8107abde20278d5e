import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import { config } from '../config';
import { logger } from '../log';
import { scoped, TenantId } from '../db/tenancy';
import { fieldErrors, Invalid, NotFound } from '../kernel/errors';
import type { PlatformFamily } from '../kernel/actor';
import { CourseContext, CourseContextDoc, Tenant, TenantDoc } from './model';
import { APPROVERS, CREDIT_RETENTION, TenantPolicy } from '../kernel/tenantPolicy';
import { originOf } from '../kernel/origin';
import { verbFor } from '../web/format';

export type { CourseContextDoc, TenantDoc };

export interface TenantRegistration {
  issuer: string;
  clientId: string;
  name: string;
  family: PlatformFamily;
  deploymentIds: string[];
  source: 'cli' | 'dynamic-registration' | 'demo' | 'console';
  /** URLs whose origins frame this platform's pages (its auth endpoint). */
  framingUrls?: string[];
}

/** Creates the tenant or adds the given deployments to it; idempotent. */
export async function upsertTenant(reg: TenantRegistration): Promise<TenantDoc> {
  const tenant = await Tenant.findOneAndUpdate(
    { issuer: reg.issuer, clientId: reg.clientId },
    { $setOnInsert: { name: reg.name, family: reg.family } },
    { upsert: true, new: true },
  ).lean<TenantDoc>();
  for (const id of reg.deploymentIds) await addDeployment(tenant._id, id, reg.source);
  await addFramingOrigins(tenant, reg.framingUrls ?? []);
  forgetTenants();
  return (await Tenant.findById(tenant._id).lean<TenantDoc>())!;
}

/** Inserts a new tenant; null when (issuer, clientId) exists already (the unique index decides races). */
export async function createTenant(reg: TenantRegistration): Promise<TenantDoc | null> {
  try {
    const created = await Tenant.create({
      issuer: reg.issuer,
      clientId: reg.clientId,
      name: reg.name,
      family: reg.family,
      deployments: reg.deploymentIds.map((deploymentId) => ({ deploymentId, source: reg.source, addedAt: new Date() })),
      framingOrigins: validOrigins(reg.framingUrls ?? []),
    });
    forgetTenants();
    return created.toObject() as TenantDoc;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return null;
    throw err;
  }
}

/** Undoes createTenant when the rest of a registration failed (the tenant has no data yet). */
export async function removeNewTenant(tenantId: TenantId): Promise<void> {
  await Tenant.deleteOne({ _id: tenantId });
  forgetTenants();
}

export async function addDeployment(tenantId: TenantId, deploymentId: string, source: TenantRegistration['source']): Promise<void> {
  await Tenant.updateOne(
    { _id: tenantId, 'deployments.deploymentId': { $ne: deploymentId } },
    { $push: { deployments: { deploymentId, source, addedAt: new Date() } } },
  );
  forgetTenants();
}

/** Enough for every school domain and vanity domain of one platform; a platform naming more is ignored. */
const MAX_FRAMING_ORIGINS = 100;

function validOrigins(urls: string[]): string[] {
  return [...new Set(urls.map(originOf).filter((o): o is string => !!o))];
}

/** Remembers the origins of these URLs (from a signed launch or a tool admin) as framing this platform's pages. */
export async function addFramingOrigins(tenant: Pick<TenantDoc, '_id' | 'framingOrigins'>, urls: string[]): Promise<void> {
  const known = new Set(tenant.framingOrigins ?? []);
  const fresh = validOrigins(urls).filter((o) => !known.has(o));
  if (!fresh.length) return;
  if (known.size + fresh.length > MAX_FRAMING_ORIGINS) {
    logger().warn({ tenantId: tenant._id, fresh }, 'framing origins not recorded: the platform has too many');
    return;
  }
  await Tenant.updateOne({ _id: tenant._id }, { $addToSet: { framingOrigins: { $each: fresh } } });
  forgetTenants();
}

/** Every URL whose origin may frame this platform's launched pages: its issuer, recorded origins, configured ones. */
export function framingUrls(tenant: Pick<TenantDoc, 'issuer' | 'framingOrigins'>): string[] {
  return [tenant.issuer, ...(tenant.framingOrigins ?? []), ...config().lti.frameAncestors];
}

/**
 * Every request resolves its tenant, so lookups are cached briefly in-process; writes here clear the
 * cache, and other instances see a change within TENANT_CACHE_MS.
 */
const TENANT_CACHE_MS = 5000;
const tenantCache = new Map<string, { at: number; tenant: Promise<TenantDoc | null> }>();

function forgetTenants(): void {
  tenantCache.clear();
}

export function findTenant(issuer: string, clientId: string): Promise<TenantDoc | null> {
  const key = `${issuer} ${clientId}`;
  const hit = tenantCache.get(key);
  if (hit && Date.now() - hit.at < TENANT_CACHE_MS) return hit.tenant;
  const tenant = Tenant.findOne({ issuer, clientId }).lean<TenantDoc>().exec();
  tenantCache.set(key, { at: Date.now(), tenant });
  tenant.catch(() => tenantCache.delete(key));
  return tenant;
}

export async function getTenant(tenantId: TenantId): Promise<TenantDoc> {
  const tenant = await Tenant.findById(tenantId).lean<TenantDoc>();
  if (!tenant) throw new NotFound('That platform registration');
  return tenant;
}

export function listTenants(): Promise<TenantDoc[]> {
  return Tenant.find({}).sort({ createdAt: 1 }).lean<TenantDoc[]>();
}

export function hasDeployment(tenant: TenantDoc, deploymentId: string): boolean {
  return tenant.deployments.some((d) => d.deploymentId === deploymentId);
}

export async function updatePolicy(tenantId: TenantId, policy: Partial<TenantPolicy>): Promise<TenantDoc> {
  const set = Object.fromEntries(Object.entries(policy).map(([k, v]) => [`policy.${k}`, v]));
  const updated = await Tenant.findByIdAndUpdate(tenantId, { $set: set }, { new: true, runValidators: true }).lean<TenantDoc>();
  forgetTenants();
  if (!updated) throw new NotFound('That platform registration');
  return updated;
}

const asNumber = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? Number(v) : v);
const amount = (what: string, max: number) =>
  z.preprocess(asNumber, z.number(`Enter the ${what} as a number`).min(0, `The ${what} cannot be negative`).max(max, `The ${what} ${verbFor(what, 'looks', 'look')} too large (at most ${max})`));

/** Blank means "no limit" (null, so saving clears a limit set before). */
const optionalAmount = (what: string, max: number) => z.preprocess((v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? null : asNumber(v)), amount(what, max).nullable());

const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true', z.boolean());

/** The district policy form: plan length, caps, required minimum, who approves, reflections, course instructors' view, credit retention, session registrations needing approval. */
export const PolicyInput = z
  .object({
    planMonths: z.preprocess(asNumber, z.number('Enter the plan length in months').int('Enter whole months').min(6, 'Plans last at least 6 months').max(60, 'Plans last at most 60 months')),
    maxCostPerYear: amount('cost cap', 100_000),
    maxHoursPerYear: amount('hours cap', 2000),
    minHoursPerYear: amount('required minimum', 2000),
    approvers: z.enum(APPROVERS, 'Choose who approves plans'),
    creditRetention: z.enum(CREDIT_RETENTION, 'Choose what happens to completed credit'),
    creditRetentionYears: z.preprocess(asNumber, z.number('Enter the years as a number').int('Enter whole years').min(1, 'Keep credit at least 1 year').max(50, 'At most 50 years')),
    reflectionRequired: checkbox,
    instructorsSeeCourseProgress: checkbox,
    instructorsFacilitate: checkbox,
    registrationApprovalAbove: optionalAmount('approval limit', 100_000),
    /** Absent (an older form): the zone stays as it is. */
    timeZone: z.string().refine(isTimeZone, 'Choose a time zone from the list').optional(),
  })
  .superRefine(
    (p, ctx) => {
      if (p.minHoursPerYear > p.maxHoursPerYear) ctx.addIssue({ code: 'custom', path: ['minHoursPerYear'], message: 'The required minimum is above the hours cap' });
    },
    { when: () => true },
  );
export type PolicyInput = z.infer<typeof PolicyInput>;

/** The IANA zones this server knows (the policy form offers them). */
export function timeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
}

function isTimeZone(zone: string): boolean {
  return timeZones().includes(zone);
}

/** Validates and saves the district policy (every field at once), audited with before and after. */
export async function changePolicy(tenantId: TenantId, raw: unknown, by: { userId: Types.ObjectId; name: string }): Promise<TenantDoc> {
  const parsed = PolicyInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The policy has problems; nothing was saved.', fieldErrors(parsed.error));
  const before = (await getTenant(tenantId)).policy;
  const { timeZone, ...rest } = parsed.data;
  const after = await updatePolicy(tenantId, { ...rest, ...(timeZone ? { timeZone } : {}), approvalRequired: parsed.data.approvers !== 'none' });
  await audit.record(tenantId, { actor: by, action: 'policy.updated', subject: { kind: 'tenant', id: tenantId }, before: { ...before }, after: { ...after.policy } });
  return after;
}

/** The district's rule for completed credit, in a sentence for teachers and PD staff. */
export function retentionText(p: Pick<TenantPolicy, 'creditRetention' | 'creditRetentionYears'>): string {
  if (p.creditRetention === 'with-teacher') return 'Your district deletes completed PD credit together with the teacher’s data.';
  if (p.creditRetention === 'until-deleted') return 'Your district keeps completed PD credit as its record until PD staff delete it.';
  const years = p.creditRetentionYears ?? 7;
  return `Your district keeps completed PD credit as its record for ${years} ${years === 1 ? 'year' : 'years'} after each activity was completed.`;
}

export interface ContextLaunch {
  contextId: string;
  title?: string;
  label?: string;
  lmsCourseId?: string;
  deploymentId: string;
  ags?: { lineitems?: string; lineitem?: string; scope?: string[] };
  nrpsUrl?: string;
}

/**
 * Every launch from a course carries the same course facts: this process writes them again only when they
 * changed or CONTEXT_REWRITE_MS after it last did, so `lastLaunchAt` is exact to that. Contexts are never
 * deleted, so a skipped write cannot leave one missing.
 */
const CONTEXT_REWRITE_MS = 10 * 60_000;
const contextsWritten = new Map<string, { fingerprint: string; at: number }>();

/** Remembers the course and the AGS/NRPS endpoints its latest launch carried. */
export async function recordContext(tenantId: TenantId, c: ContextLaunch): Promise<void> {
  const set: Record<string, unknown> = { deploymentId: c.deploymentId };
  if (c.title !== undefined) set.title = c.title;
  if (c.label !== undefined) set.label = c.label;
  if (c.lmsCourseId) set.lmsCourseId = c.lmsCourseId;
  if (c.ags?.lineitems) set['ags.lineitems'] = c.ags.lineitems;
  if (c.ags?.scope) set['ags.scopes'] = c.ags.scope;
  if (c.nrpsUrl) set['nrps.url'] = c.nrpsUrl;
  const key = `${String(tenantId)} ${c.contextId}`;
  const fingerprint = JSON.stringify(set);
  const last = contextsWritten.get(key);
  if (last && last.fingerprint === fingerprint && Date.now() - last.at < CONTEXT_REWRITE_MS) return;
  await CourseContext.updateOne(scoped(tenantId, { contextId: c.contextId }), { $set: { ...set, lastLaunchAt: new Date() } }, { upsert: true });
  if (contextsWritten.size > 50_000) contextsWritten.clear();
  contextsWritten.set(key, { fingerprint, at: Date.now() });
}

export function findContext(tenantId: TenantId, contextId: string): Promise<CourseContextDoc | null> {
  return CourseContext.findOne(scoped(tenantId, { contextId })).lean<CourseContextDoc>();
}

export function listContexts(tenantId: TenantId): Promise<CourseContextDoc[]> {
  return CourseContext.find(scoped(tenantId)).sort({ lastLaunchAt: -1 }).lean<CourseContextDoc[]>();
}

