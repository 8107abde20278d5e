import { ObjectId } from 'bson';
import { valueKey } from './ordering';
import { Doc, isPlainObject } from './values';

// A `$group` that counts and sums by plain fields, which reports run over whole ledgers, done in one pass
// without mingo's expression machinery (~5x faster over 100,000 entries). Anything else, and any document
// whose grouped or summed value is not a plain scalar, leaves the stage to mingo, so results never differ.

type Scalar = string | number | boolean | Date | ObjectId | null;
const FIELD = /^\$[A-Za-z_][\w]*$/;

interface Plan {
  key: (doc: Readonly<Doc>) => Scalar[] | undefined;
  idOf: (values: Scalar[]) => unknown;
  sums: { name: string; field?: string }[];
}

const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date || v instanceof ObjectId;

function planOf(spec: Doc): Plan | undefined {
  const { _id: id, ...accumulators } = spec;
  // an object whose keys are names (not operators like $toLower) builds the group key from its fields
  const named = isPlainObject(id) && Object.keys(id).every((k) => /^[A-Za-z_]\w*$/.test(k));
  const fields = typeof id === 'string' ? [id] : named ? Object.values(id as Doc) : undefined;
  if (!fields?.length || !fields.every((f) => typeof f === 'string' && FIELD.test(f))) return undefined;
  const paths = (fields as string[]).map((f) => f.slice(1));
  const names = named ? Object.keys(id as Doc) : undefined;
  const sums: Plan['sums'] = [];
  for (const [name, acc] of Object.entries(accumulators)) {
    const sum = isPlainObject(acc) && Object.keys(acc).length === 1 ? acc.$sum : undefined;
    if (sum === 1) sums.push({ name });
    else if (typeof sum === 'string' && FIELD.test(sum)) sums.push({ name, field: sum.slice(1) });
    else return undefined;
  }
  return {
    key: (doc) => {
      const values = paths.map((p) => doc[p]);
      // -0 is left to mingo too: it shows the group's key as 0 or -0 depending on the form of _id
      return values.every((v) => v !== undefined && isScalar(v) && !Object.is(v, -0)) ? (values as Scalar[]) : undefined;
    },
    idOf: (values) => (names ? Object.fromEntries(names.map((n, i) => [n, values[i]])) : values[0]),
    sums,
  };
}

/**
 * For a counting `$group`, what gives the groups of `docs`, or undefined when a document needs mingo;
 * undefined when mingo must run this `$group` at all.
 */
export function countingGroup(spec: Doc): ((docs: readonly Readonly<Doc>[]) => Doc[] | undefined) | undefined {
  const plan = planOf(spec);
  return plan && ((docs) => groupsOf(docs, plan));
}

function groupsOf(docs: readonly Readonly<Doc>[], plan: Plan): Doc[] | undefined {
  const groups = new Map<string, Doc>();
  for (const doc of docs) {
    const values = plan.key(doc);
    if (!values) return undefined;
    const k = values.map(valueKey).join('|');
    let group = groups.get(k);
    if (!group) {
      group = { _id: plan.idOf(values), ...Object.fromEntries(plan.sums.map((s) => [s.name, 0])) };
      groups.set(k, group);
    }
    for (const s of plan.sums) {
      if (!s.field) {
        (group[s.name] as number)++;
        continue;
      }
      const v = doc[s.field];
      if (typeof v === 'number') (group[s.name] as number) += v;
      else if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !(v instanceof Date) && !(v instanceof ObjectId)) return undefined;
    }
  }
  return [...groups.values()];
}
