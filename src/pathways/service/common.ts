import { Types } from 'mongoose';

export type Id = Types.ObjectId;

export interface ChangedBy {
  userId: Id;
  name: string;
}

