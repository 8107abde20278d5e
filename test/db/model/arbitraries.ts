import fc from 'fast-check';
import { Command, Doc } from './commands';

// Plans shaped like the app's: a status, an owner, tags, goals holding reflections and feedback. Few
// distinct values, so filters match, unique indexes collide and upserts find their documents.
const id = fc.integer({ min: 0, max: 7 });
const status = fc.constantFrom('draft', 'submitted', 'active');
const name = fc.constantFrom('ann', 'bo', 'cy');
const tag = fc.constantFrom('x', 'y', 'z');
const title = fc.constantFrom('g1', 'g2', 'g3');
const small = fc.integer({ min: -2, max: 5 });
const score = fc.integer({ min: 0, max: 4 });
const uniqueTags = fc.uniqueArray(tag, { minLength: 1, maxLength: 3 });

const goal = fc.record(
  {
    title,
    score,
    reflections: fc.array(fc.constantFrom('r1', 'r2'), { maxLength: 2 }),
    feedback: fc.array(fc.constantFrom('f1', 'f2'), { maxLength: 2 }),
  },
  { requiredKeys: ['title'] },
);

const plan = fc.record(
  {
    _id: id,
    status: fc.oneof({ weight: 5, arbitrary: status }, { weight: 1, arbitrary: fc.constant(null) }),
    n: fc.oneof({ weight: 6, arbitrary: small }, { weight: 1, arbitrary: fc.constantFrom('many', null) }),
    owner: fc.oneof({ weight: 5, arbitrary: fc.record({ name, level: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: ['name'] }) }, { weight: 1, arbitrary: fc.constant(null) }),
    tags: fc.array(tag, { maxLength: 3 }),
    goals: fc.array(goal, { maxLength: 3 }),
    at: fc.constantFrom(new Date('2031-01-01T00:00:00Z'), new Date('2032-06-01T00:00:00Z')),
  },
  { requiredKeys: ['_id'] },
);

/** Conditions on one array, usable by the positional `$` operator (the first element they match). */
const goalsCondition = fc.oneof(
  title.map((t) => ({ 'goals.title': t })),
  score.map((s) => ({ 'goals.score': { $gte: s } })),
  fc.tuple(title, score).map(([t, s]) => ({ goals: { $elemMatch: { title: t, score: { $gte: s } } } })),
  fc.constantFrom('r1', 'r2').map((r) => ({ 'goals.reflections': r })),
);
const tagsCondition = fc.oneof(
  tag.map((t) => ({ tags: t })),
  fc.uniqueArray(tag, { minLength: 2, maxLength: 2 }).map((ts) => ({ tags: { $in: ts } })),
);

const leaf: fc.Arbitrary<Doc> = fc.oneof(
  status.map((s) => ({ status: s })),
  fc.uniqueArray(status, { minLength: 2, maxLength: 2 }).map((ss) => ({ status: { $in: ss } })),
  fc.boolean().map((b) => ({ status: { $exists: b } })),
  status.map((s) => ({ status: { $ne: s } })),
  fc.constant({ status: null }),
  small.map((k) => ({ n: { $gt: k } })),
  small.map((k) => ({ n: { $lte: k } })),
  small.map((k) => ({ n: k })),
  name.map((nm) => ({ 'owner.name': nm })),
  fc.integer({ min: 1, max: 3 }).map((l) => ({ 'owner.level': { $gte: l } })),
  fc.constant({ owner: null }),
  tagsCondition,
  fc.uniqueArray(tag, { minLength: 1, maxLength: 2 }).map((ts) => ({ tags: { $all: ts } })),
  fc.integer({ min: 0, max: 2 }).map((k) => ({ tags: { $size: k } })),
  tag.map((t) => ({ tags: { $nin: [t] } })),
  tag.map((t) => ({ 'tags.0': t })),
  goalsCondition,
  fc.integer({ min: 0, max: 2 }).map((k) => ({ goals: { $size: k } })),
  fc.constantFrom(true, false).map((b) => ({ 'goals.feedback': { $exists: b } })),
  fc.uniqueArray(id, { minLength: 1, maxLength: 3 }).map((ids) => ({ _id: { $in: ids } })),
  id.map((i) => ({ _id: { $gte: i } })),
);

export const filter: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 5, arbitrary: leaf },
  { weight: 1, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => ({ $or: [a, b] })) },
  { weight: 1, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => ({ $and: [a, b] })) },
  { weight: 1, arbitrary: leaf.map((a) => ({ $nor: [a] })) },
);

/** A filter naming one document, optionally narrowed further: single-document writes are then determined. */
const byId = (extra: fc.Arbitrary<Doc>): fc.Arbitrary<Doc> => fc.tuple(id, fc.option(extra, { nil: undefined })).map(([i, e]) => ({ ...(e ?? {}), _id: i }));
/** Conditions an upsert can seed a new document from (equalities), or ignore. */
const seedable = fc.oneof(status.map((s) => ({ status: s })), name.map((nm) => ({ 'owner.name': nm })), tag.map((t) => ({ tags: t })), small.map((k) => ({ n: { $gt: k } })));

const sortKey = fc.constantFrom<Doc>({ status: 1 }, { n: -1 }, { n: 1 }, { 'owner.level': -1 }, { tags: 1 }, { tags: -1 }, { 'goals.score': -1 }, { at: 1 }, { status: -1, n: 1 });
/** Sort orders that end in `_id`, so ties never leave the order to the server. */
export const sort: fc.Arbitrary<Doc> = fc.tuple(fc.option(sortKey, { nil: undefined }), fc.constantFrom(1, -1)).map(([k, d]) => ({ ...(k ?? {}), _id: d }));

const slice = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 1, max: 2 })));
export const projection: fc.Arbitrary<Doc> = fc.oneof(
  fc.constantFrom<Doc>(
    { status: 1 },
    { status: 1, 'owner.name': 1 },
    { 'goals.title': 1, _id: 0 },
    { _id: 0, n: 1, tags: 1 },
    { 'goals.reflections': 0, 'goals.feedback': 0 },
    { tags: 0, 'owner.level': 0 },
    { _id: 0 },
    { goals: 0 },
  ),
  slice.map((s) => ({ tags: { $slice: s } })),
  fc.tuple(slice, fc.boolean()).map(([s, incl]) => (incl ? { status: 1, goals: { $slice: s } } : { goals: { $slice: s } })),
  score.map((s) => ({ goals: { $elemMatch: { score: { $gte: s } } } })),
  fc.tuple(title, fc.boolean()).map(([t, withStatus]) => ({ ...(withStatus ? { status: 1 } : {}), goals: { $elemMatch: { title: t } } })),
);

/** An update part, with the top-level fields it touches (parts touching the same field are not combined). */
interface Part {
  roots: string[];
  update: Doc;
  arrayFilters?: Doc[];
  /** Needs an array condition in the filter (positional `$`); names the array. */
  positional?: 'goals' | 'tags';
  /** Uses `$[]` or `$[id]`: an upsert would have no array to apply them to. */
  allPositions?: boolean;
}

const fixed = (p: Part): fc.Arbitrary<Part> => fc.constant(p);

const part: fc.Arbitrary<Part> = fc.oneof<fc.Arbitrary<Part>[]>(
  status.map((s) => ({ roots: ['status'], update: { $set: { status: s } } })),
  fixed({ roots: ['status'], update: { $unset: { status: '' } } }),
  status.map((s) => ({ roots: ['status'], update: { $set: { status: s }, $unset: { status: '' } } })), // a conflict
  fixed({ roots: ['status', 'state'], update: { $rename: { status: 'state' } } }),
  small.map((k) => ({ roots: ['n'], update: { $inc: { n: k } } })),
  small.map((k) => ({ roots: ['n'], update: { $min: { n: k } } })),
  small.map((k) => ({ roots: ['n'], update: { $max: { n: k } } })),
  fc.integer({ min: 1, max: 3 }).map((l) => ({ roots: ['owner'], update: { $set: { 'owner.level': l } } })),
  fixed({ roots: ['owner'], update: { $inc: { 'owner.level': 1 } } }),
  fixed({ roots: ['owner'], update: { $unset: { 'owner.level': '' } } }),
  fixed({ roots: ['owner'], update: { $rename: { 'owner.name': 'owner.nick' } } }),
  name.map((nm) => ({ roots: ['owner'], update: { $set: { owner: { name: nm } }, $unset: { 'owner.level': '' } } })), // a conflict
  tag.map((t) => ({ roots: ['tags'], update: { $push: { tags: t } } })),
  uniqueTags.map((ts) => ({ roots: ['tags'], update: { $push: { tags: { $each: ts } } } })),
  tag.map((t) => ({ roots: ['tags'], update: { $addToSet: { tags: t } } })),
  uniqueTags.map((ts) => ({ roots: ['tags'], update: { $addToSet: { tags: { $each: ts } } } })),
  tag.map((t) => ({ roots: ['tags'], update: { $pull: { tags: t } } })),
  uniqueTags.map((ts) => ({ roots: ['tags'], update: { $pull: { tags: { $in: ts } } } })),
  uniqueTags.map((ts) => ({ roots: ['tags'], update: { $pullAll: { tags: ts } } })),
  fixed({ roots: ['tags'], update: { $set: { tags: 'x' } } }), // later array operators on it fail
  fixed({ roots: ['tags'], update: { $set: { 'tags.$': 'w' } }, positional: 'tags' as const }),
  tag.map((t) => ({ roots: ['tags'], update: { $set: { 'tags.$[t]': 'w' } }, arrayFilters: [{ t }], allPositions: true })),
  score.map((s) => ({ roots: ['goals'], update: { $set: { 'goals.0.score': s } } })),
  fixed({ roots: ['goals'], update: { $unset: { 'goals.$[].reflections': '', 'goals.$[].feedback': '' } }, allPositions: true }),
  fixed({ roots: ['goals'], update: { $inc: { 'goals.$[].score': 1 } }, allPositions: true }),
  fc.constantFrom('f1', 'f2').map((f) => ({ roots: ['goals'], update: { $push: { 'goals.$[].feedback': f } }, allPositions: true })),
  fc.record({ title, score }).map((g) => ({ roots: ['goals'], update: { $push: { goals: g } } })),
  score.map((s) => ({ roots: ['goals'], update: { $pull: { goals: { score: { $lt: s } } } } })),
  title.map((t) => ({ roots: ['goals'], update: { $pull: { goals: { title: t } } } })),
  fc.tuple(title, score).map(([t, s]) => ({ roots: ['goals'], update: { $set: { 'goals.$[g].score': s } }, arrayFilters: [{ 'g.title': t }], allPositions: true })),
  fc.tuple(score, fc.constantFrom('r1', 'r2')).map(([s, r]) => ({ roots: ['goals'], update: { $push: { 'goals.$[g].reflections': r } }, arrayFilters: [{ 'g.score': { $gte: s } }], allPositions: true })),
  score.map((s) => ({ roots: ['goals'], update: { $set: { 'goals.$.score': s } }, positional: 'goals' as const })),
  fc.constantFrom('f1', 'f2').map((f) => ({ roots: ['goals'], update: { $push: { 'goals.$.feedback': f } }, positional: 'goals' as const })),
  fixed({ roots: ['goals'], update: { $unset: { 'goals.$.reflections': '' } }, positional: 'goals' as const }),
  fixed({ roots: ['goals'], update: { $inc: { 'goals.$.score': 1 } }, positional: 'goals' as const }),
  fixed({ roots: ['made'], update: { $setOnInsert: { made: 'upsert' } } }),
);

function combine(parts: Part[]): Part {
  const out: Part = { roots: [], update: {} };
  for (const p of parts) {
    if (p.roots.some((r) => out.roots.includes(r)) || (p.positional && out.positional)) continue;
    out.roots.push(...p.roots);
    for (const [op, args] of Object.entries(p.update)) out.update[op] = { ...(out.update[op] ?? {}), ...args };
    if (p.arrayFilters) out.arrayFilters = [...(out.arrayFilters ?? []), ...p.arrayFilters];
    out.positional ??= p.positional;
    out.allPositions ||= p.allPositions;
  }
  return out;
}

const operatorUpdate = fc.array(part, { minLength: 1, maxLength: 3 }).map(combine);

/** Update pipelines built from the stages `$set`/`$unset`/`$project` the way the app writes them. */
const pipelineUpdate: fc.Arbitrary<Doc[]> = fc.array(
  fc.constantFrom<Doc>(
    { $set: { n: { $cond: [{ $isNumber: '$n' }, { $add: ['$n', 1] }, 0] } } },
    { $set: { label: { $concat: [{ $ifNull: ['$status', 'none'] }, '-plan'] } } },
    { $set: { goalCount: { $cond: [{ $isArray: '$goals' }, { $size: '$goals' }, 0] } } },
    { $set: { 'owner.level': 2 } },
    { $unset: ['tags', 'owner.level'] },
    { $unset: 'goals.feedback' },
    { $project: { status: 1, goals: 1, n: 1 } },
  ),
  { minLength: 1, maxLength: 3 },
);

interface WriteShape {
  filter: Doc;
  update: Doc | Doc[];
  upsert: boolean;
  arrayFilters?: Doc[];
}

/** An update with a filter that suits it: positional updates get an array condition, upserts a seedable `_id`. */
function updateWith(single: boolean): fc.Arbitrary<WriteShape> {
  const operator = fc.tuple(operatorUpdate, byId(seedable), filter, goalsCondition, tagsCondition, fc.boolean()).map(([p, idFilter, any, goals, tags, upsert]): WriteShape => {
    const positional = p.positional === 'goals' ? goals : p.positional === 'tags' ? tags : undefined;
    const mayUpsert = upsert && !positional && !p.allPositions;
    const base = single || mayUpsert ? { _id: idFilter._id, ...(positional ? {} : idFilter) } : positional ? {} : any;
    return { filter: { ...base, ...(positional ?? {}) }, update: p.update, upsert: mayUpsert, ...(p.arrayFilters ? { arrayFilters: p.arrayFilters } : {}) };
  });
  const pipeline = fc.tuple(pipelineUpdate, byId(seedable), filter, fc.boolean()).map(([u, idFilter, any, upsert]): WriteShape => ({ filter: single || upsert ? idFilter : any, update: u, upsert }));
  return fc.oneof({ weight: 4, arbitrary: operator }, { weight: 1, arbitrary: pipeline });
}

/** A replacement document: without `_id`, or with the `_id` of the document it replaces. */
const replacementFor = (f: Doc): fc.Arbitrary<Doc> =>
  fc.tuple(plan, fc.boolean()).map(([p, keepId]) => {
    const { _id: _, ...rest } = p;
    return keepId ? { _id: f._id, ...rest } : rest;
  });

/** Unique, compound, partial, multikey and TTL indexes; `status_1` twice with different options (a conflict). */
const INDEXES: [Doc, Doc][] = [
  [{ status: 1 }, {}],
  [{ status: 1 }, { unique: true, partialFilterExpression: { status: { $type: 'string' } } }],
  [{ 'owner.name': 1 }, { unique: true }],
  [{ tags: 1 }, { unique: true }],
  [{ tags: 1, n: -1 }, {}],
  [{ 'goals.score': 1 }, {}],
  [{ 'goals.title': 1, status: 1 }, {}],
  [{ n: 1 }, {}],
  [{ at: 1 }, { expireAfterSeconds: 3600 }],
];

type Template = (f: Doc, k: number, s: Doc) => Doc[];

/** The stages the app's reports use ($match $unwind $group $project $sort $limit $facet $lookup $bucket $count). */
function pipelineTemplates(): Template[] {
  return [
    (f) => [{ $match: f }, { $unwind: '$goals' }, { $group: { _id: '$goals.title', goals: { $sum: 1 }, score: { $sum: '$goals.score' }, people: { $addToSet: '$_id' } } }, { $project: { goals: 1, score: 1, people: { $size: '$people' } } }, { $sort: { _id: 1 } }],
    (f, k, s) => [{ $match: f }, { $sort: s }, { $skip: k }, { $limit: 2 }, { $project: { status: 1, tags: 1, 'goals.reflections': 1 } }],
    () => [{ $unwind: { path: '$goals', preserveNullAndEmptyArrays: true } }, { $group: { _id: '$_id', score: { $sum: '$goals.score' }, status: { $first: '$status' } } }, { $sort: { _id: 1 } }],
    (f) => [{ $match: f }, { $count: 'total' }],
    (f) => [{ $match: f }, { $facet: { byStatus: [{ $group: { _id: '$status', n: { $sum: 1 } } }, { $sort: { _id: 1 } }], top: [{ $sort: { _id: -1 } }, { $limit: 2 }, { $project: { _id: 1 } }] } }],
    (_f, _k, s) => [{ $lookup: { from: 'people', localField: 'owner.name', foreignField: '_id', as: 'who' } }, { $sort: s }, { $project: { who: 1, owner: 1 } }],
    (f) => [{ $match: f }, { $bucket: { groupBy: '$n', boundaries: [-2, 0, 3, 10], default: 'other', output: { count: { $sum: 1 } } } }],
    (f, _k, s) => [{ $match: f }, { $sort: s }, { $unwind: '$tags' }, { $project: { tags: 1, status: 1 } }],
    (f) => [{ $match: f }, { $unwind: '$goals' }, { $unwind: '$goals.reflections' }, { $group: { _id: { t: '$goals.title', r: '$goals.reflections' }, n: { $sum: 1 } } }, { $sort: { '_id.t': 1, '_id.r': 1 } }],
    (f) => [{ $match: { ...f, status: { $nin: ['', null] } } }, { $group: { _id: '$status', n: { $sum: { $cond: [{ $gte: ['$n', 2] }, 1, 0] } } } }, { $sort: { n: -1, _id: 1 } }],
  ];
}

const findOneSort = fc.option(sort, { nil: undefined });
const maybeProjection = fc.option(projection, { nil: undefined });

export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: plan.map((doc): Command => ({ kind: 'insertOne', doc })) },
  { weight: 2, arbitrary: fc.record({ docs: fc.array(plan, { minLength: 1, maxLength: 4 }), ordered: fc.boolean() }).map((r): Command => ({ kind: 'insertMany', ...r })) },
  { weight: 4, arbitrary: fc.tuple(fc.boolean(), fc.boolean()).chain(([many]) => updateWith(!many).map((w): Command => ({ kind: 'update', many, ...w }))) },
  { weight: 1, arbitrary: fc.tuple(byId(seedable), fc.boolean()).chain(([f, upsert]) => replacementFor(f).map((r): Command => ({ kind: 'replaceOne', filter: f, replacement: r, upsert }))) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), filter, byId(leaf)).map(([many, f, one]): Command => ({ kind: 'delete', many, filter: many ? f : one })) },
  {
    weight: 5,
    arbitrary: fc
      .record({ filter, projection: maybeProjection, sort, paged: fc.boolean(), skip: fc.integer({ min: 0, max: 3 }), limit: fc.integer({ min: 1, max: 4 }), batchSize: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), sorted: fc.boolean() })
      .map(({ paged, sorted, skip, limit, sort: s, projection: p, ...r }): Command => ({ kind: 'find', ...r, ...(p ? { projection: p } : {}), ...(sorted || paged ? { sort: s } : {}), ...(paged ? { skip, limit } : {}) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ filter, sort, projection: maybeProjection })
      .chain((r) => fc.tuple(filter.map(() => r), goalsCondition))
      .map(([r, g]): Command => ({ kind: 'find', filter: { ...r.filter.$or ? {} : r.filter, ...g }, sort: r.sort, projection: { 'goals.$': 1 } })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(updateWith(true), findOneSort, maybeProjection, fc.boolean()).map(([w, s, p, after]): Command => ({ kind: 'findOneAndUpdate', ...w, after, ...(s ? { sort: s } : {}), ...(p ? { projection: p } : {}) })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(byId(seedable), findOneSort, maybeProjection, fc.boolean(), fc.boolean()).chain(([f, ...rest]) => replacementFor(f).map((r) => [f, r, ...rest] as const)).map(([f, r, s, p, after, upsert]): Command => ({ kind: 'findOneAndReplace', filter: f, replacement: r, after, upsert, ...(s ? { sort: s } : {}), ...(p ? { projection: p } : {}) })),
  },
  { weight: 1, arbitrary: fc.tuple(filter, sort, maybeProjection).map(([f, s, p]): Command => ({ kind: 'findOneAndDelete', filter: f, sort: s, ...(p ? { projection: p } : {}) })) },
  { weight: 2, arbitrary: filter.map((f): Command => ({ kind: 'count', filter: f })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('status', 'tags', 'goals.title', 'owner.name', 'n'), filter).map(([key, f]): Command => ({ kind: 'distinct', key, filter: f })) },
  { weight: 3, arbitrary: fc.tuple(filter, fc.integer({ min: 0, max: 3 }), sort, fc.constantFrom(...pipelineTemplates())).map(([f, k, s, t]): Command => ({ kind: 'aggregate', pipeline: t(f, k, s) })) },
  { weight: 1, arbitrary: fc.constantFrom(...INDEXES).map(([key, options]): Command => ({ kind: 'createIndex', key, options })) },
);

export const initialDocs = fc.uniqueArray(plan, { selector: (p) => p._id, maxLength: 6 });
export const commands = (max: number): fc.Arbitrary<Command[]> => fc.array(command, { minLength: 1, maxLength: max });

/** Reads of every kind, for the property that reading never changes what a later read sees. */
export const read: fc.Arbitrary<Command> = command.filter((c) => ['find', 'count', 'distinct', 'aggregate'].includes(c.kind));
