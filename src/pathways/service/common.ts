import { Types } from 'mongoose';

export type Id = Types.ObjectId;

export interface ChangedBy {
  userId: Id;
  name: string;
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}
