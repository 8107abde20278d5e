import type { Connection } from 'mongoose';
import type { Collection, Db } from 'mongodb';
import { DbTarget } from '../targets';

/** Documents with any `_id` type, as the tests use numbers and strings too. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the suites read arbitrary fields of what mongod returns
export type AnyDoc = any;

export interface Suite {
  target: DbTarget;
  /** mongoose 8 connection to this file's database. */
  conn: Connection;
  /** The driver's Db behind `conn`, for operations mongoose doesn't expose. */
  db: Db;
  /** A new, empty collection name unique within the suite. */
  fresh(prefix?: string): Collection<AnyDoc>;
}

export type Expectations = (s: () => Suite) => void;

/** Awaits a promise expected to reject and returns the error (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('expected the operation to fail');
}

/** The driver's update typings reject valid array-operator updates on loosely typed collections. */
export function untyped(update: object): never {
  return update as never;
}
