// mingo ships the types of its subpath exports where TypeScript's "node" resolution does not look for them.

declare module 'mingo/operators/update' {
  /** Each update operator: given its expression, a function that applies it to a document in place and returns the paths it changed. */
  type UpdateOperator = (expr: Record<string, unknown>) => (doc: Record<string, unknown>) => string[];
  export const $addToSet: UpdateOperator;
  export const $bit: UpdateOperator;
  export const $currentDate: UpdateOperator;
  export const $inc: UpdateOperator;
  export const $max: UpdateOperator;
  export const $min: UpdateOperator;
  export const $mul: UpdateOperator;
  export const $pop: UpdateOperator;
  export const $pull: UpdateOperator;
  export const $pullAll: UpdateOperator;
  export const $push: UpdateOperator;
  export const $rename: UpdateOperator;
  export const $set: UpdateOperator;
  export const $unset: UpdateOperator;
}
