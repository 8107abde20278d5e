/** The commands the model-based suite sends, as plain data (fast-check prints and shrinks them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- generated documents of any shape, compared with mongod's
export type Doc = Record<string, any>;

export interface Sorted {
  /** Always ends in a unique field, so every order (and skip/limit) is determined. */
  sort?: Doc;
  projection?: Doc;
}

export type Command =
  | { kind: 'insertOne'; doc: Doc }
  | { kind: 'insertMany'; docs: Doc[]; ordered: boolean }
  | { kind: 'update'; many: boolean; filter: Doc; update: Doc | Doc[]; upsert: boolean; arrayFilters?: Doc[] }
  | { kind: 'replaceOne'; filter: Doc; replacement: Doc; upsert: boolean }
  | { kind: 'delete'; many: boolean; filter: Doc }
  | ({ kind: 'find'; filter: Doc; skip?: number; limit?: number; batchSize?: number } & Sorted)
  | ({ kind: 'findOneAndUpdate'; filter: Doc; update: Doc | Doc[]; after: boolean; upsert: boolean; arrayFilters?: Doc[] } & Sorted)
  | ({ kind: 'findOneAndReplace'; filter: Doc; replacement: Doc; after: boolean; upsert: boolean } & Sorted)
  | ({ kind: 'findOneAndDelete'; filter: Doc } & Sorted)
  | { kind: 'count'; filter: Doc }
  | { kind: 'distinct'; key: string; filter: Doc }
  | { kind: 'aggregate'; pipeline: Doc[] }
  | { kind: 'createIndex'; key: Doc; options: Doc };

/** What a command answered: a value, or a server error code (messages are not compared). */
export type Outcome =
  | { ok: unknown }
  | { error: number; writeErrors?: { index: number; code: number }[]; inserted?: number }
  /** A multi-document update failing part-way: which documents it changed first is not specified. */
  | { partial: number[] };

/** The collection `$lookup` joins against; never written. */
export const PEOPLE = [
  { _id: 'ann', team: 'north' },
  { _id: 'bo', team: 'south' },
  { _id: 'cy', team: 'north' },
];
