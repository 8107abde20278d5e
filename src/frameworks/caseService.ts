import fs from 'node:fs';
import path from 'node:path';
import * as audit from '../audit/service';
import { scoped, TenantId } from '../db/tenancy';
import { FieldErrors, fieldErrors, Invalid } from '../kernel/errors';
import { ROOT } from '../paths';
import { casePackage } from './caseExport';
import { CFPackage } from './casePackage';
import { Framework } from './model';
import { frameworkFromCase, FrameworkShape, reimport, versionProblem } from './rules';
import { ChangedBy, createFramework, FrameworkDoc, FrameworkInput, toView, updateFramework, validateFramework } from './service';

const SAMPLE_FILE = path.join(ROOT, 'samples/case-teaching-standards.json');
const BAD_PACKAGE = 'The CASE package has problems; nothing was saved.';

/** Framework fields as the CASE package field they came from. */
const TOP_FIELD: Record<string, string> = { name: 'CFDocument.title', description: 'CFDocument.description', key: 'CFDocument.identifier', domains: 'CFItems', competencies: 'CFItems' };
const ITEM_FIELD: Record<string, string> = { name: 'fullStatement', description: 'fullStatement', code: 'humanCodingScheme', levels: 'fullStatement' };

function casePath(field: string, origin: Record<string, string>): string {
  const [list, i, part, level] = field.split('.');
  if (i === undefined) return TOP_FIELD[field] ?? field;
  const item = (part === 'levels' && level !== undefined ? origin[`${list}.${i}.levels.${level}`] : undefined) ?? origin[`${list}.${i}`];
  if (!item) return field;
  return part ? `${item}.${ITEM_FIELD[part] ?? part}` : item;
}

/** The mapped framework through the framework rules; a problem is reported on the package field it came from. */
function validated(shape: FrameworkShape, origin: Record<string, string>): FrameworkInput {
  try {
    return validateFramework(shape);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const fields: FieldErrors = {};
    for (const [k, v] of Object.entries(err.fields)) fields[casePath(k, origin)] ??= v;
    throw new Invalid(BAD_PACKAGE, fields);
  }
}

export function parseCasePackage(raw: unknown): CFPackage {
  const parsed = CFPackage.safeParse(raw);
  if (!parsed.success) throw new Invalid(BAD_PACKAGE, fieldErrors(parsed.error));
  return parsed.data;
}

/** The tenant's framework that carries this CFDocument identifier (stored, or derived for one never imported). */
async function byDocumentId(tenantId: TenantId, documentId: string): Promise<FrameworkDoc | undefined> {
  const all = await Framework.find(scoped(tenantId)).lean<FrameworkDoc[]>();
  return all.find((doc) => toView(doc).caseId === documentId);
}

export interface CaseImport {
  framework: FrameworkDoc;
  replaced: boolean;
  changes: { added: number; renamed: number; retired: number; kept: number };
}

/**
 * Imports a CASE package: a new framework keyed by the CFDocument identifier, or, for a CFDocument already
 * here, its newer version merged by CFItem identifier (see rules.reimport). Nothing is saved on any problem.
 */
export async function importCasePackage(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<CaseImport> {
  const pkg = parseCasePackage(raw);
  const { framework: mapped, origin } = frameworkFromCase(pkg);
  const doc = pkg.CFDocument;
  const caseSource = { uri: doc.uri, creator: doc.creator, lastChangeDateTime: new Date(doc.lastChangeDateTime), version: doc.version };
  const existing = await byDocumentId(tenantId, doc.identifier);
  let result: CaseImport;
  if (!existing) {
    const input = validated(mapped, origin);
    const framework = await createFramework(tenantId, input, by, { caseId: doc.identifier, caseSource, retired: [] });
    result = { framework, replaced: false, changes: { added: input.competencies.length, renamed: 0, retired: 0, kept: 0 } };
  } else {
    const stored = toView(existing);
    const problem = versionProblem(stored.caseSource, caseSource.lastChangeDateTime);
    if (problem) throw new Invalid(BAD_PACKAGE, { 'CFDocument.lastChangeDateTime': problem });
    const merged = reimport(stored, mapped, new Date());
    const input = validated({ ...merged.framework, key: existing.key }, origin);
    const framework = await updateFramework(tenantId, existing._id, input, by, { caseId: doc.identifier, caseSource, retired: merged.retired });
    result = { framework, replaced: true, changes: merged.changes };
  }
  await audit.record(tenantId, {
    actor: by,
    action: 'framework.imported',
    subject: { kind: 'framework', id: result.framework._id },
    after: { key: result.framework.key, name: result.framework.name, format: 'CASE', lastChangeDateTime: doc.lastChangeDateTime, ...result.changes },
  });
  return result;
}

/** A framework as a CASE 1.0 CFPackage (see caseExport). */
export function exportCasePackage(doc: FrameworkDoc, creator: string) {
  return casePackage(toView(doc), creator);
}

export function sampleCasePackage(): unknown {
  return JSON.parse(fs.readFileSync(SAMPLE_FILE, 'utf8'));
}

/** The CFDocument identifier of the shipped sample, to tell whether a tenant has added it. */
export function sampleCaseDocumentId(): string {
  return (sampleCasePackage() as { CFDocument: { identifier: string } }).CFDocument.identifier;
}

/** Adds (or brings up to date) the shipped CASE sample through the same import path a file takes. */
export function addSampleCaseFramework(tenantId: TenantId, by: ChangedBy): Promise<CaseImport> {
  return importCasePackage(tenantId, sampleCasePackage(), by);
}
