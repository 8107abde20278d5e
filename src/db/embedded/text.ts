import { Collection } from './collection';
import { CommandError } from './errors';
import { Index, indexValues } from './indexes';
import { Doc, isPlainObject } from './values';

const STOP_WORDS = new Set(
  'a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with you your yours yourself yourselves'.split(' '),
);

/** A light suffix-stripping stemmer; documents and queries go through the same one, so forms of a word meet. */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}i`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix) && /[aeiouy]/.test(w.slice(0, -suffix.length))) {
      w = w.slice(0, -suffix.length);
      if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  if (w.length > 2 && w.endsWith('y') && /[aeiou]/.test(w.slice(0, -1))) w = `${w.slice(0, -1)}i`;
  return w;
}

interface TextOptions {
  caseSensitive: boolean;
  diacriticSensitive: boolean;
}

function normalize(s: string, o: TextOptions): string {
  let out = o.caseSensitive ? s : s.toLowerCase();
  if (!o.diacriticSensitive) out = out.normalize('NFD').replace(/\p{M}+/gu, '');
  return out;
}

function tokens(s: string, o: TextOptions): string[] {
  return (normalize(s, o).match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => !STOP_WORDS.has(t.toLowerCase())).map(stem);
}

interface Search {
  terms: Set<string>;
  negated: Set<string>;
  phrases: string[];
  options: TextOptions;
}

function parseSearch(spec: unknown): Search {
  if (!isPlainObject(spec) || typeof spec.$search !== 'string') throw new CommandError('BadValue', '$text requires a $search string');
  const options = { caseSensitive: spec.$caseSensitive === true, diacriticSensitive: spec.$diacriticSensitive === true };
  const phrases: string[] = [];
  const rest = spec.$search.replace(/"([^"]*)"/g, (_, p: string) => {
    if (p.trim()) phrases.push(normalize(p, options));
    return ` ${p} `;
  });
  const terms = new Set<string>();
  const negated = new Set<string>();
  for (const word of rest.split(/\s+/)) {
    if (!word) continue;
    const target = word.startsWith('-') ? negated : terms;
    for (const t of tokens(word.replace(/^-/, ''), options)) target.add(t);
  }
  return { terms, negated, phrases, options };
}

function textOf(doc: Doc, path: string): string[] {
  if (path === '$**') {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (isPlainObject(v)) Object.values(v).forEach(walk);
    };
    walk(doc);
    return out;
  }
  return indexValues(doc, path).values.filter((v): v is string => typeof v === 'string');
}

export function textIndexOf(coll: Collection | undefined): Index {
  const ix = coll?.indexes.find((i) => i.text);
  if (!ix) throw new CommandError('IndexNotFound', 'text index required for $text query');
  return ix;
}

/** Scores every document of the collection against a $text search; only matching documents are returned. */
export function textSearch(coll: Collection | undefined, spec: unknown): Map<number, number> {
  const ix = textIndexOf(coll);
  const search = parseSearch(spec);
  const weights = Object.entries((ix.spec.weights as Doc | undefined) ?? {}) as [string, number][];
  const scores = new Map<number, number>();
  for (const { rid, doc } of coll!.peekAll()) {
    let score = 0;
    let negatedHit = false;
    const haystacks: string[] = [];
    for (const [path, weight] of weights) {
      for (const text of textOf(doc, path)) {
        haystacks.push(normalize(text, search.options));
        const toks = tokens(text, search.options);
        const counts = new Map<string, number>();
        for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
        for (const t of search.negated) if (counts.has(t)) negatedHit = true;
        for (const t of search.terms) {
          const c = counts.get(t);
          if (c) score += weight * c * (0.5 + (0.5 * c) / toks.length);
        }
      }
    }
    if (negatedHit || score === 0) continue;
    if (!search.phrases.every((p) => haystacks.some((h) => h.includes(p)))) continue;
    scores.set(rid, score);
  }
  return scores;
}
