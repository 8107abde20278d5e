import { createHash } from 'node:crypto';
import { FieldErrors, Invalid } from '../kernel/errors';
import { CFAssociation, CFItem, CFPackage } from './casePackage';

/** Levels 1..4 of every competency, in order. */
export const LEVEL_NAMES = ['Beginning', 'Developing', 'Proficient', 'Leading'] as const;

export interface DomainShape {
  code: string;
  name: string;
  caseId?: string;
}
export interface CompetencyShape {
  code: string;
  domain: string;
  name: string;
  description: string;
  /** Four descriptors, or none while PD staff have not written them. */
  levels: string[];
  caseId?: string;
}
export interface FrameworkShape {
  key?: string;
  name: string;
  description: string;
  domains: DomainShape[];
  competencies: CompetencyShape[];
}
export interface RetiredCompetency extends CompetencyShape {
  retiredAt: Date;
}
/** Where a framework came from when it was imported from CASE. */
export interface CaseSource {
  uri: string;
  creator: string;
  lastChangeDateTime: Date;
  version?: string;
}

export const needsDescriptors = (c: Pick<CompetencyShape, 'levels'>) => c.levels.length !== LEVEL_NAMES.length;

/** A name-based (version 5 shaped) UUID: the same parts always give the same identifier. */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha1').update(`pd-pathways\u0000${parts.join('\u0000')}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** CFItemType values read as a performance level of the competency above them (compared case-insensitively). */
export const LEVEL_ITEM_TYPES = ['level', 'performance level', 'proficiency level', 'skill level'];
const isLevelItem = (item: CFItem) => LEVEL_ITEM_TYPES.includes((item.CFItemType ?? '').trim().toLowerCase());

/** A PD Pathways code from a humanCodingScheme ("2.a" → "C2-A"); `fallback` when the item has none. */
export function codeFrom(humanCoding: string | undefined, prefix: 'D' | 'C', fallback: string): string {
  const cleaned = (humanCoding ?? '').toUpperCase().replace(/[^A-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!cleaned) return fallback;
  return (/^[A-Z]/.test(cleaned) ? cleaned : `${prefix}${cleaned}`).slice(0, 20);
}

/** `code`, or code-2, code-3… when it is taken; marks the one returned as taken. */
function unique(code: string, taken: Set<string>): string {
  let candidate = code;
  for (let n = 2; taken.has(candidate); n++) candidate = `${code.slice(0, 20 - String(n).length - 1)}-${n}`;
  taken.add(candidate);
  return candidate;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).trimEnd()}…`;
}

interface Child {
  id: string;
  seq: number;
  order: number;
}

/** The isChildOf tree (and hasSkillLevel links) by parent identifier, children in sequenceNumber order. */
function treeOf(pkg: CFPackage, items: Map<string, number>, errors: FieldErrors): Map<string, Child[]> {
  const docId = pkg.CFDocument.identifier;
  const children = new Map<string, Child[]>();
  const placed = new Map<string, number>();
  pkg.CFAssociations.forEach((a: CFAssociation, k) => {
    const skill = a.associationType === 'hasSkillLevel';
    if (a.associationType !== 'isChildOf' && !skill) return;
    const [child, parent] = skill ? [a.destinationNodeURI.identifier, a.originNodeURI.identifier] : [a.originNodeURI.identifier, a.destinationNodeURI.identifier];
    const childSide = skill ? 'destinationNodeURI' : 'originNodeURI';
    if (!items.has(child)) return void (errors[`CFAssociations.${k}.${childSide}`] = `${child} is not one of the package’s CFItems`);
    if (parent !== docId && !items.has(parent)) return void (errors[`CFAssociations.${k}.${skill ? 'originNodeURI' : 'destinationNodeURI'}`] = `${parent} is neither the CFDocument nor one of its CFItems`);
    if (placed.has(child)) return void (errors[`CFAssociations.${k}`] = `CFItem ${child} already has a parent (association ${placed.get(child)! + 1}); PD Pathways places each item once`);
    placed.set(child, k);
    const list = children.get(parent) ?? [];
    list.push({ id: child, seq: a.sequenceNumber ?? Number.MAX_SAFE_INTEGER, order: k });
    children.set(parent, list);
  });
  for (const list of children.values()) list.sort((x, y) => x.seq - y.seq || x.order - y.order);
  pkg.CFItems.forEach((item, i) => {
    if (!placed.has(item.identifier)) errors[`CFItems.${i}`] = 'This item is not placed under the CFDocument by an isChildOf association';
  });
  return children;
}

export interface MappedCase {
  framework: FrameworkShape;
  /** Each framework row ("domains.0", "competencies.3.levels.1") → the CASE item it came from ("CFItems.7"). */
  origin: Record<string, string>;
}

/**
 * A CASE package as a framework: items directly under the CFDocument are domains, their children
 * competencies, and the children of a competency typed as a level (LEVEL_ITEM_TYPES) its four descriptors.
 * Throws Invalid with every problem keyed by the package field it is about.
 */
export function frameworkFromCase(pkg: CFPackage): MappedCase {
  const errors: FieldErrors = {};
  const index = new Map<string, number>();
  pkg.CFItems.forEach((item, i) => {
    if (index.has(item.identifier)) errors[`CFItems.${i}.identifier`] = `Identifier ${item.identifier} is also CFItem ${index.get(item.identifier)! + 1}’s`;
    else index.set(item.identifier, i);
  });
  const tree = treeOf(pkg, index, errors);
  const at = (id: string) => ({ item: pkg.CFItems[index.get(id)!]!, i: index.get(id)! });
  const origin: Record<string, string> = {};
  const domains: DomainShape[] = [];
  const competencies: CompetencyShape[] = [];
  const domainCodes = new Set<string>();
  const competencyCodes = new Set<string>();
  for (const { id } of tree.get(pkg.CFDocument.identifier) ?? []) {
    const { item, i } = at(id);
    if (isLevelItem(item)) errors[`CFItems.${i}.CFItemType`] = 'A level item belongs under a competency, not directly under the CFDocument';
    const code = unique(codeFrom(item.humanCodingScheme, 'D', `D${domains.length + 1}`), domainCodes);
    origin[`domains.${domains.length}`] = `CFItems.${i}`;
    domains.push({ code, name: clip(item.abbreviatedStatement || item.fullStatement, 120), caseId: item.identifier });
    for (const child of tree.get(id) ?? []) {
      const mapped = competencyFrom(at(child.id), code, tree, at, errors, origin, competencies.length);
      if (mapped) competencies.push({ ...mapped, code: unique(mapped.code, competencyCodes) });
    }
  }
  if (Object.keys(errors).length) throw new Invalid('The CASE package has problems; nothing was saved.', errors);
  const doc = pkg.CFDocument;
  return { framework: { key: doc.identifier, name: clip(doc.title, 120), description: doc.description ?? '', domains, competencies }, origin };
}

type At = (id: string) => { item: CFItem; i: number };

function competencyFrom(
  { item, i }: { item: CFItem; i: number },
  domain: string,
  tree: Map<string, Child[]>,
  at: At,
  errors: FieldErrors,
  origin: Record<string, string>,
  n: number,
): CompetencyShape | undefined {
  if (isLevelItem(item)) {
    errors[`CFItems.${i}.CFItemType`] = 'A level item belongs under a competency, not directly under a domain';
    return undefined;
  }
  const below = (tree.get(item.identifier) ?? []).map((c) => at(c.id));
  below.filter((b) => !isLevelItem(b.item)).forEach((b) => {
    errors[`CFItems.${b.i}`] = `Nested below competency ${item.humanCodingScheme || item.fullStatement}: PD Pathways frameworks are domains, competencies and their levels`;
  });
  const levels = below.filter((b) => isLevelItem(b.item));
  if (levels.length && levels.length !== LEVEL_NAMES.length) {
    errors[`CFItems.${i}`] = `Has ${levels.length} level items; give ${LEVEL_NAMES.length} (${LEVEL_NAMES.join(', ')}) in order, or none to write them in PD Pathways`;
  }
  origin[`competencies.${n}`] = `CFItems.${i}`;
  levels.forEach((l, k) => (origin[`competencies.${n}.levels.${k}`] = `CFItems.${l.i}`));
  const name = clip(item.abbreviatedStatement || item.fullStatement, 160);
  return {
    code: codeFrom(item.humanCodingScheme, 'C', `${domain.slice(0, 16)}-${n + 1}`),
    domain,
    name,
    description: item.notes ?? (name === item.fullStatement ? '' : item.fullStatement),
    levels: levels.length === LEVEL_NAMES.length ? levels.map((l) => l.item.fullStatement) : [],
    caseId: item.identifier,
  };
}

export interface ExistingFramework {
  domains: DomainShape[];
  competencies: CompetencyShape[];
  retired: RetiredCompetency[];
}

export interface Reimport {
  framework: FrameworkShape;
  retired: RetiredCompetency[];
  changes: { added: number; renamed: number; retired: number; kept: number };
}

/**
 * A newer version of a framework over the stored one, matched by CASE identifier: a matched domain or
 * competency keeps its code (what plans, goals and assessments store), whatever its new statement or
 * humanCodingScheme; descriptors PD staff wrote stay when the package brings none. Competencies the
 * package no longer has are retired (kept, so what refers to them still names them); one that comes back
 * is reinstated.
 */
export function reimport(existing: ExistingFramework, incoming: FrameworkShape, now: Date): Reimport {
  const byId = <T extends { caseId?: string }>(list: T[]) => new Map(list.filter((x) => x.caseId).map((x) => [x.caseId!, x]));
  const oldDomains = byId(existing.domains);
  const oldCompetencies = byId([...existing.retired, ...existing.competencies]);
  const current = new Set(existing.competencies.map((c) => c.caseId));
  const domainCodes = new Set(incoming.domains.flatMap((d) => oldDomains.get(d.caseId ?? '')?.code ?? []));
  const codes = new Set([...existing.competencies, ...existing.retired].map((c) => c.code));
  const domainCode = new Map<string, string>();
  const domains = incoming.domains.map((d) => {
    const code = oldDomains.get(d.caseId ?? '')?.code ?? unique(d.code, domainCodes);
    domainCode.set(d.code, code);
    return { ...d, code };
  });
  let renamed = 0;
  const competencies = incoming.competencies.map((c) => {
    const old = oldCompetencies.get(c.caseId ?? '');
    if (old && old.name !== c.name) renamed++;
    const levels = c.levels.length ? c.levels : (old?.levels ?? []);
    return { ...c, code: old ? old.code : unique(c.code, codes), domain: domainCode.get(c.domain) ?? c.domain, levels };
  });
  const kept = new Set(competencies.map((c) => c.caseId));
  const dropped = existing.competencies.filter((c) => !kept.has(c.caseId)).map((c) => ({ ...c, retiredAt: now }));
  const retired = [...existing.retired.filter((r) => !kept.has(r.caseId)), ...dropped];
  const added = competencies.filter((c) => !current.has(c.caseId)).length;
  return { framework: { ...incoming, domains, competencies }, retired, changes: { added, renamed, retired: dropped.length, kept: competencies.length - added } };
}

/** Why a package cannot replace the stored version, if it cannot: an older edition would undo changes. */
export function versionProblem(stored: CaseSource | undefined, incoming: Date): string | undefined {
  if (!stored || incoming >= stored.lastChangeDateTime) return undefined;
  return `This package was last changed ${incoming.toISOString()}, before the version already imported (${stored.lastChangeDateTime.toISOString()}); import a newer one`;
}
