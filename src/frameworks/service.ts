import fs from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import { scoped, TenantId } from '../db/tenancy';
import { ROOT } from '../paths';
import { FieldErrors, fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { Framework, FrameworkDoc, LEVEL_NAMES } from './model';
import { CaseSource, needsDescriptors, RetiredCompetency, stableUuid } from './rules';

export { LEVEL_NAMES };
export type { FrameworkDoc };

export interface CompetencyView {
  code: string;
  domain: string;
  domainName: string;
  name: string;
  description: string;
  /** The four descriptors in LEVEL_NAMES order; empty while the competency needs descriptors. */
  levels: string[];
  needsDescriptors: boolean;
  caseId: string;
}

export interface FrameworkView {
  id: string;
  key: string;
  name: string;
  description: string;
  isDefault: boolean;
  domains: { code: string; name: string; caseId: string }[];
  competencies: CompetencyView[];
  /** Dropped by a newer CASE version; named still, offered nowhere. */
  retired: (CompetencyView & { retiredAt: Date })[];
  caseId: string;
  caseSource?: CaseSource;
  updatedAt: Date;
}

/** Who made a change, for the audit log. */
export interface ChangedBy {
  userId: Types.ObjectId;
  name: string;
}

const CODE_RULE = 'Use 1–20 letters, digits, - or _, starting with a letter';
const code = z.string().trim().regex(/^[A-Za-z][A-Za-z0-9_-]{0,19}$/, CODE_RULE).toUpperCase();
const text = (max: number, missing: string) => z.string().trim().min(1, missing).max(max, `Keep it under ${max} characters`);
const descriptor = text(1000, 'Describe what this level looks like in practice');
const caseId = z.string().trim().toLowerCase().regex(/^[0-9a-f-]{36}$/, 'Give a UUID').optional();
const LEVELS_RULE = `Give exactly ${LEVEL_NAMES.length} level descriptors: ${LEVEL_NAMES.join(', ')} (or none, to write them later)`;
/** Four descriptors, or none at all (four empty form fields, or no field) while PD staff have not written them. */
const levels = z.preprocess(
  (v) => (v === undefined || (Array.isArray(v) && v.every((l) => typeof l === 'string' && !l.trim())) ? [] : v),
  z.array(descriptor, 'Give the four level descriptors').refine((l) => l.length === 0 || l.length === LEVEL_NAMES.length, LEVELS_RULE),
);

/** The import/export shape of a framework (also what the edit form produces). */
export const FrameworkInput = z.object({
  key: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'Use 2–48 lowercase letters, digits or -').optional(),
  name: text(120, 'Enter a name for the framework'),
  description: z.string().trim().max(2000, 'Keep it under 2000 characters').default(''),
  domains: z
    .array(z.object({ code, name: text(120, 'Enter a domain name'), caseId }), 'Give a list of domains')
    .min(1, 'Add at least one domain')
    .max(12, 'Use at most 12 domains'),
  competencies: z
    .array(
      z.object({
        code,
        domain: z.string('Choose a domain').trim().min(1, 'Choose a domain').toUpperCase(),
        name: text(160, 'Enter a competency name'),
        description: z.string().trim().max(2000, 'Keep it under 2000 characters').default(''),
        levels,
        caseId,
      }),
      'Give a list of competencies',
    )
    .min(1, 'Add at least one competency')
    .max(60, 'Use at most 60 competencies'),
});
export type FrameworkInput = z.infer<typeof FrameworkInput>;

function codeOf(row: unknown, field = 'code'): string {
  const value = (row as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value.trim().toUpperCase() : '';
}

function listOf(raw: unknown, field: string): unknown[] {
  const value = (raw as Record<string, unknown> | null)?.[field];
  return Array.isArray(value) ? value : [];
}

/** Rules across rows (unique codes, known domains), checked even when single fields are also wrong. */
function crossRowErrors(raw: unknown): FieldErrors {
  const errors: FieldErrors = {};
  const flagDuplicates = (list: unknown[], prefix: string, what: string) => {
    const seen = new Map<string, number>();
    list.forEach((row, i) => {
      const c = codeOf(row);
      if (!c) return;
      if (seen.has(c)) errors[`${prefix}.${i}.code`] = `Code ${c} is already used by ${what} ${seen.get(c)! + 1}; codes must be unique`;
      else seen.set(c, i);
    });
  };
  const domains = listOf(raw, 'domains');
  const competencies = listOf(raw, 'competencies');
  flagDuplicates(domains, 'domains', 'domain');
  flagDuplicates(competencies, 'competencies', 'competency');
  const known = new Set(domains.map((d) => codeOf(d)));
  competencies.forEach((row, i) => {
    const d = codeOf(row, 'domain');
    if (d && !known.has(d)) errors[`competencies.${i}.domain`] = `Domain ${d} is not in this framework`;
  });
  return errors;
}

/** Validates a framework in the import/export shape; every problem is reported per field, nothing is saved. */
export function validateFramework(raw: unknown): FrameworkInput {
  const parsed = FrameworkInput.safeParse(raw);
  const errors = { ...(parsed.success ? {} : fieldErrors(parsed.error)), ...crossRowErrors(raw) };
  if (!parsed.success || Object.keys(errors).length) throw new Invalid('The framework has problems; nothing was saved.', errors);
  return parsed.data;
}

/** The CFDocument identifier a framework's CASE export carries (derived until one is stored). */
export const documentIdOf = (doc: Pick<FrameworkDoc, '_id' | 'caseId'>) => doc.caseId ?? stableUuid('framework', String(doc._id));
const itemIdOf = (documentId: string, kind: string, row: { code: string; caseId?: string | null }) => row.caseId ?? stableUuid(documentId, kind, row.code);

function competencyView(c: FrameworkDoc['competencies'][number], documentId: string, domainNames: Map<string, string>): CompetencyView {
  return {
    code: c.code,
    domain: c.domain,
    domainName: domainNames.get(c.domain) ?? c.domain,
    name: c.name,
    description: c.description ?? '',
    levels: [...c.levels],
    needsDescriptors: needsDescriptors(c),
    caseId: itemIdOf(documentId, 'competency', c),
  };
}

/** Every competency, ready or still needing descriptors; the framework pages show them all. */
export function toView(doc: FrameworkDoc): FrameworkView {
  const domainNames = new Map(doc.domains.map((d) => [d.code, d.name]));
  const documentId = documentIdOf(doc);
  return {
    id: String(doc._id),
    key: doc.key,
    name: doc.name,
    description: doc.description ?? '',
    isDefault: !!doc.isDefault,
    domains: doc.domains.map((d) => ({ code: d.code, name: d.name, caseId: itemIdOf(documentId, 'domain', d) })),
    competencies: doc.competencies.map((c) => competencyView(c, documentId, domainNames)),
    retired: (doc.retired ?? []).map((c) => ({ ...competencyView(c, documentId, domainNames), retiredAt: c.retiredAt })),
    caseId: documentId,
    caseSource: doc.caseSource ? { uri: doc.caseSource.uri, creator: doc.caseSource.creator, lastChangeDateTime: doc.caseSource.lastChangeDateTime, version: doc.caseSource.version ?? undefined } : undefined,
    updatedAt: (doc as { updatedAt?: Date }).updatedAt ?? new Date(0),
  };
}

/** The export file: the same shape import accepts. */
export function exportFramework(view: FrameworkView): Required<FrameworkInput> {
  return {
    key: view.key,
    name: view.name,
    description: view.description,
    domains: view.domains.map(({ code, name }) => ({ code, name })),
    competencies: view.competencies.map(({ code, domain, name, description, levels }) => ({ code, domain, name, description, levels: [...levels] })),
  };
}

export function listFrameworks(tenantId: TenantId): Promise<FrameworkDoc[]> {
  return Framework.find(scoped(tenantId)).sort({ isDefault: -1, name: 1 }).lean<FrameworkDoc[]>();
}

export async function getFramework(tenantId: TenantId, id: string | Types.ObjectId): Promise<FrameworkDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Framework.findOne(scoped(tenantId, { _id: id })).lean<FrameworkDoc>() : null;
  if (!doc) throw new NotFound('That framework');
  return doc;
}

/**
 * The tenant's default framework as assessments, recommendations, goals and the catalog use it: only the
 * competencies with their four descriptors (one still needing descriptors is offered nowhere yet).
 */
export async function activeFramework(tenantId: TenantId): Promise<FrameworkView> {
  const doc = await Framework.findOne(scoped(tenantId, { isDefault: true })).lean<FrameworkDoc>();
  if (!doc) throw new NotFound('Your district’s competency framework');
  const view = toView(doc);
  return { ...view, competencies: view.competencies.filter((c) => !c.needsDescriptors) };
}

export async function hasActiveFramework(tenantId: TenantId): Promise<boolean> {
  return (await Framework.countDocuments(scoped(tenantId, { isDefault: true }))) > 0;
}

/** The district's competencies by code (none while it has no framework): how every page names a competency. */
export async function competenciesByCode(tenantId: TenantId): Promise<Map<string, CompetencyView>> {
  const doc = await Framework.findOne(scoped(tenantId, { isDefault: true })).lean<FrameworkDoc>();
  const fw = doc ? toView(doc) : undefined;
  // Retired ones first, so a current competency with the same code wins.
  return new Map([...(fw?.retired ?? []), ...(fw?.competencies ?? [])].map((c) => [c.code, c]));
}

/** A competency's name for people to read; the code itself only when the framework no longer has it. */
export function competencyName(competencies: Map<string, Pick<CompetencyView, 'name'>>, code: string): string {
  return competencies.get(code)?.name ?? code;
}

export async function competency(tenantId: TenantId, code: string): Promise<CompetencyView> {
  const found = (await activeFramework(tenantId)).competencies.find((c) => c.code === code);
  if (!found) throw new NotFound(`Competency ${code}`);
  return found;
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return s.length >= 2 ? s : `framework-${Date.now().toString(36)}`;
}

/** What a save stores; every domain and competency keeps (or gets) its CASE identifier, matched by code. */
function content(input: FrameworkInput, documentId?: string, before?: FrameworkView) {
  const known = new Map<string, string>([...(before?.domains ?? []).map((d) => [`domain ${d.code}`, d.caseId] as const), ...(before?.competencies ?? []).map((c) => [`competency ${c.code}`, c.caseId] as const)]);
  const idOf = (kind: string, row: { code: string; caseId?: string }) => (documentId ? { caseId: row.caseId ?? known.get(`${kind} ${row.code}`) ?? stableUuid(documentId, kind, row.code) } : {});
  return {
    name: input.name,
    description: input.description,
    domains: input.domains.map((d) => ({ code: d.code, name: d.name, ...idOf('domain', d) })),
    competencies: input.competencies.map((c) => ({ code: c.code, domain: c.domain, name: c.name, description: c.description, levels: c.levels, ...idOf('competency', c) })),
  };
}

/** The default framework must keep a competency teachers can assess themselves on. */
function requireReady(input: { competencies: { levels: string[] }[] }): void {
  if (input.competencies.every(needsDescriptors)) {
    throw new Invalid('The framework has problems; nothing was saved.', { competencies: 'The default framework needs at least one competency with its four level descriptors' });
  }
}

/** What a CASE import stores besides the content. */
export interface CaseExtras {
  caseId: string;
  caseSource: CaseSource;
  retired?: RetiredCompetency[];
}

function summary(doc: { key: string; name: string; competencies: unknown[]; domains: unknown[] }) {
  return { key: doc.key, name: doc.name, domains: doc.domains.length, competencies: doc.competencies.length };
}

async function keyTaken(tenantId: TenantId, key: string): Promise<boolean> {
  return (await Framework.countDocuments(scoped(tenantId, { key }))) > 0;
}

export async function createFramework(tenantId: TenantId, input: FrameworkInput, by: ChangedBy, extras?: CaseExtras): Promise<FrameworkDoc> {
  const key = input.key ?? slug(input.name);
  if (await keyTaken(tenantId, key)) throw new Invalid('The framework has problems; nothing was saved.', { key: `A framework with key ${key} already exists` });
  const _id = new Types.ObjectId();
  const documentId = extras?.caseId ?? documentIdOf({ _id });
  const created = (await Framework.create({ _id, tenantId, key, ...content(input, documentId), ...extras, caseId: documentId })).toObject() as unknown as FrameworkDoc;
  await audit.record(tenantId, { actor: by, action: 'framework.created', subject: { kind: 'framework', id: created._id }, after: summary(created) });
  return created;
}

export async function updateFramework(tenantId: TenantId, id: Types.ObjectId, input: FrameworkInput, by: ChangedBy, extras?: CaseExtras): Promise<FrameworkDoc> {
  const before = await getFramework(tenantId, id);
  if (before.isDefault) requireReady(input);
  const view = toView(before);
  const after = await Framework.findOneAndUpdate(scoped(tenantId, { _id: id }), { $set: { ...content(input, view.caseId, view), ...extras, caseId: view.caseId } }, { new: true }).lean<FrameworkDoc>();
  if (!after) throw new NotFound('That framework');
  await audit.record(tenantId, { actor: by, action: 'framework.updated', subject: { kind: 'framework', id }, before: summary(before), after: summary(after) });
  return after;
}

/** Import replaces the framework with the same key (an edited export) or adds a new one. */
export async function importFramework(tenantId: TenantId, input: FrameworkInput, by: ChangedBy): Promise<{ framework: FrameworkDoc; replaced: boolean }> {
  const key = input.key ?? slug(input.name);
  const existing = await Framework.findOne(scoped(tenantId, { key })).lean<FrameworkDoc>();
  const framework = existing ? await updateFramework(tenantId, existing._id, input, by) : await createFramework(tenantId, { ...input, key }, by);
  await audit.record(tenantId, { actor: by, action: 'framework.imported', subject: { kind: 'framework', id: framework._id }, after: summary(framework) });
  return { framework, replaced: !!existing };
}

/** Makes a framework the tenant's default; the partial unique index keeps it to one. */
export async function setDefaultFramework(tenantId: TenantId, id: Types.ObjectId, by?: ChangedBy): Promise<void> {
  const framework = await getFramework(tenantId, id);
  if (framework.isDefault) return;
  requireReady(framework);
  await Framework.updateMany(scoped(tenantId, { isDefault: true, _id: { $ne: id } }), { $set: { isDefault: false } });
  await Framework.updateOne(scoped(tenantId, { _id: id }), { $set: { isDefault: true } });
  await audit.record(tenantId, { actor: by, action: 'framework.default-set', subject: { kind: 'framework', id }, after: { key: framework.key, name: framework.name } });
}

const SAMPLE_KEY = 'pd-pathways-sample';

export function sampleFramework(): FrameworkInput {
  return validateFramework(JSON.parse(fs.readFileSync(path.join(ROOT, 'samples/framework.json'), 'utf8')));
}

/** Adds the sample framework once, and makes it the default when the tenant has none; `by` is audited when it adds it. */
export async function ensureSampleFramework(tenantId: TenantId, by?: ChangedBy): Promise<void> {
  const sample = { ...sampleFramework(), key: SAMPLE_KEY };
  try {
    const { upsertedId } = await Framework.updateOne(scoped(tenantId, { key: SAMPLE_KEY }), { $setOnInsert: content(sample) }, { upsert: true });
    if (upsertedId) await audit.record(tenantId, { actor: by, action: 'framework.created', subject: { kind: 'framework', id: upsertedId }, after: summary(sample) });
  } catch (err) {
    // A concurrent first start inserted it between our find and insert.
    if ((err as { code?: number }).code !== 11000) throw err;
  }
  if (await hasActiveFramework(tenantId)) return;
  const framework = await Framework.findOne(scoped(tenantId, { key: SAMPLE_KEY })).lean<FrameworkDoc>();
  try {
    await setDefaultFramework(tenantId, framework!._id, by);
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
  }
}
