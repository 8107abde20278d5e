import type mongoose from 'mongoose';

/** What a launch writes: users, course contexts and ltijs's session records. A refused launch changes none. */
export async function launchWrites(db: mongoose.mongo.Db) {
  const n = (name: string) => db.collection(name).countDocuments();
  return { users: await n('users'), contexts: await n('coursecontexts'), idtokens: await n('idtokens'), contexttokens: await n('contexttokens') };
}
