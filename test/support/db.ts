import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../../src/db/embedded';
import { connectMongoose } from '../../src/db/connection';

/** Connects the app's mongoose to a fresh database: the embedded server, or MONGODB_URI when set. */
export async function useTestDatabase(): Promise<{ stop(): Promise<void> }> {
  const name = `pdp_unit_${crypto.randomBytes(5).toString('hex')}`;
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/${name}`;
    await connectMongoose(url.toString());
    return { stop: async () => { await mongoose.connection.db?.dropDatabase(); await mongoose.disconnect(); } };
  }
  const server = await startEmbeddedMongo();
  await connectMongoose(`${server.uri}${name}`);
  return { stop: async () => { await mongoose.disconnect(); await server.stop(); } };
}
