import { FieldErrors } from '../kernel/errors';
import { GROUP_KINDS, GroupDoc, GroupKind } from './service';

export const KIND_LABELS: Record<GroupKind, string> = { school: 'School', team: 'Team', cohort: 'Cohort' };

export function kindChoices() {
  return GROUP_KINDS.map((value) => ({ value, label: KIND_LABELS[value] }));
}

export function groupRow(g: GroupDoc) {
  return { id: String(g._id), name: g.name, kind: KIND_LABELS[g.kind], description: g.description ?? '', members: g.memberIds.length };
}

export interface GroupFormValues {
  name: string;
  kind: string;
  description: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function valuesFromForm(body: Record<string, unknown>): GroupFormValues {
  return { name: str(body.name), kind: str(body.kind), description: str(body.description) };
}

export function valuesFromGroup(g: GroupDoc): GroupFormValues {
  return { name: g.name, kind: g.kind, description: g.description ?? '' };
}

export const EMPTY_GROUP: GroupFormValues = { name: '', kind: 'school', description: '' };

export function groupForm(values: GroupFormValues, errors: FieldErrors = {}) {
  return { values, errors, kinds: kindChoices() };
}

interface Person {
  _id: unknown;
  name?: string | null;
  status?: string | null;
  aliases?: { email?: string | null } | null;
}

export function personRow(p: Person) {
  return { id: String(p._id), name: p.name || p.aliases?.email || 'Unnamed', email: p.aliases?.email ?? '', pending: p.status === 'pending' };
}

/** Per-line problems of a refused CSV, in file order. */
export function csvProblems(fields: FieldErrors): { line: string; message: string }[] {
  return Object.entries(fields).map(([line, message]) => ({ line, message }));
}
