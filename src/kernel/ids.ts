import { Types } from 'mongoose';

/** The ids without repeats, in first-seen order (ObjectIds compare by value, not identity). */
export function uniqueIds(ids: Types.ObjectId[]): Types.ObjectId[] {
  return [...new Map(ids.map((id) => [String(id), id])).values()];
}
