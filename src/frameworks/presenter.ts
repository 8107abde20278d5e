import { FieldErrors } from '../kernel/errors';
import { FrameworkDoc, FrameworkView, LEVEL_NAMES } from './service';
import { isoDate } from '../web/format';

export function frameworkRow(doc: FrameworkDoc) {
  return {
    id: String(doc._id),
    key: doc.key,
    name: doc.name,
    isDefault: !!doc.isDefault,
    domains: doc.domains.length,
    competencies: doc.competencies.length,
    updated: isoDate((doc as { updatedAt?: Date }).updatedAt),
  };
}

/** A framework to read: competencies grouped under their domains, with the level names. */
export function frameworkPage(fw: FrameworkView) {
  return {
    ...fw,
    levelNames: LEVEL_NAMES,
    needingDescriptors: fw.competencies.filter((c) => c.needsDescriptors).length,
    source: fw.caseSource ? { creator: fw.caseSource.creator, version: fw.caseSource.version ?? '', lastChange: isoDate(fw.caseSource.lastChangeDateTime) } : undefined,
    domains: fw.domains.map((d) => ({ ...d, competencies: fw.competencies.filter((c) => c.domain === d.code) })),
  };
}

export interface DomainRow {
  code: string;
  name: string;
  remove: boolean;
}
export interface CompetencyRow {
  code: string;
  domain: string;
  name: string;
  description: string;
  levels: string[];
  remove: boolean;
}
export interface FrameworkFormValues {
  key: string;
  name: string;
  description: string;
  domains: DomainRow[];
  competencies: CompetencyRow[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const rows = (v: unknown) => (Array.isArray(v) ? v : []).map((r) => (r && typeof r === 'object' ? (r as Record<string, unknown>) : {}));

/** What the user typed (an unflattened form body), to show again after an error. */
export function valuesFromForm(body: Record<string, unknown>): FrameworkFormValues {
  return {
    key: str(body.key),
    name: str(body.name),
    description: str(body.description),
    domains: rows(body.domains).map((d) => ({ code: str(d.code), name: str(d.name), remove: !!d.remove })),
    competencies: rows(body.competencies).map((c) => ({
      code: str(c.code),
      domain: str(c.domain),
      name: str(c.name),
      description: str(c.description),
      levels: LEVEL_NAMES.map((_, i) => str((Array.isArray(c.levels) ? c.levels : [])[i])),
      remove: !!c.remove,
    })),
  };
}

export function valuesFromFramework(fw: FrameworkView): FrameworkFormValues {
  return {
    key: fw.key,
    name: fw.name,
    description: fw.description,
    domains: fw.domains.map((d) => ({ ...d, remove: false })),
    competencies: fw.competencies.map((c) => ({ code: c.code, domain: c.domain, name: c.name, description: c.description, levels: LEVEL_NAMES.map((_, i) => c.levels[i] ?? ''), remove: false })),
  };
}

export const EMPTY_FRAMEWORK: FrameworkFormValues = { key: '', name: '', description: '', domains: [], competencies: [] };

/** Adds empty rows until the list ends with `want` of them (a form shown again already has some). */
function topUp<T>(list: T[], isBlank: (row: T) => boolean, want: number, make: () => T): T[] {
  let trailing = 0;
  while (trailing < list.length && isBlank(list[list.length - 1 - trailing]!)) trailing++;
  return [...list, ...Array.from({ length: Math.max(0, want - trailing) }, make)];
}

const blankDomain = (): DomainRow => ({ code: '', name: '', remove: false });
const blankCompetency = (): CompetencyRow => ({ code: '', domain: '', name: '', description: '', levels: LEVEL_NAMES.map(() => ''), remove: false });
const isBlankDomain = (d: DomainRow) => !d.code.trim() && !d.name.trim();
const isBlankCompetency = (c: CompetencyRow) => ![c.code, c.name, c.description, ...c.levels].some((v) => v.trim());

/** The edit form: the rows so far plus empty ones to add a domain or competencies without scripts. */
export function frameworkForm(values: FrameworkFormValues, errors: FieldErrors = {}) {
  const domains = topUp(values.domains, isBlankDomain, 1, blankDomain);
  const competencies = topUp(values.competencies, isBlankCompetency, 2, blankCompetency);
  return {
    values: { ...values, domains, competencies },
    errors,
    errorCount: Object.keys(errors).length,
    levelNames: LEVEL_NAMES,
    domainChoices: values.domains.filter((d) => d.code && !d.remove).map((d) => ({ code: d.code.toUpperCase(), name: d.name })),
    /** Rows from this index on are the empty ones (no Remove box). */
    firstBlank: { domains: domains.length - 1, competencies: competencies.length - 2 },
  };
}

/** "CFItems.7.fullStatement" → "CFItem 8 (PL.1), fullStatement": where in a CASE package a problem is. */
function caseFieldLabel(path: string, raw: unknown): string | undefined {
  const [list, index, ...field] = path.split('.');
  if (list === 'CFDocument') return `CFDocument${index ? `, ${[index, ...field].join('.')}` : ''}`;
  if ((list !== 'CFItems' && list !== 'CFAssociations') || index === undefined) return undefined;
  const row = rows((raw as Record<string, unknown> | null)?.[list])[Number(index)] ?? {};
  const code = str(row.humanCodingScheme) ? ` (${str(row.humanCodingScheme)})` : '';
  return `${list === 'CFItems' ? 'CFItem' : 'CFAssociation'} ${Number(index) + 1}${code}${field.length ? `, ${field.join('.')}` : ''}`;
}

/** "competencies.2.levels.3" → "Competency 3 (ASMT1), Leading level", for the import error list. */
export function fieldLabel(path: string, raw: unknown): string {
  const inCase = caseFieldLabel(path, raw);
  if (inCase) return inCase;
  const [list, index, field, sub] = path.split('.');
  const row = rows((raw as Record<string, unknown> | null)?.[list ?? ''])[Number(index)] ?? {};
  const code = str(row.code) ? ` (${str(row.code)})` : '';
  if (list === 'competencies' && index !== undefined) {
    const what = field === 'levels' && sub !== undefined ? `${LEVEL_NAMES[Number(sub)] ?? `level ${Number(sub) + 1}`} level` : field;
    return `Competency ${Number(index) + 1}${code}${what ? `, ${what}` : ''}`;
  }
  if (list === 'domains' && index !== undefined) return `Domain ${Number(index) + 1}${code}${field ? `, ${field}` : ''}`;
  return path === '_' ? 'File' : path;
}

export function importErrors(errors: FieldErrors, raw: unknown): { field: string; message: string }[] {
  return Object.entries(errors).map(([path, message]) => ({ field: fieldLabel(path, raw), message }));
}
