import crypto from 'node:crypto';
import { Schema, model } from 'mongoose';

/** A named lease held by one process at a time; expires so a crashed holder is replaced. */
const LeaseSchema = new Schema({
  _id: { type: String },
  owner: { type: String, required: true },
  until: { type: Date, required: true },
});
const Lease = model('Lease', LeaseSchema);

/** Identifies this process among app instances sharing the database. */
export const PROCESS_OWNER = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

/** Takes (or renews) the lease; false when another live owner holds it. */
export async function acquireLease(name: string, ttlMs: number, owner = PROCESS_OWNER): Promise<boolean> {
  const now = new Date();
  try {
    await Lease.findOneAndUpdate(
      { _id: name, $or: [{ until: { $lt: now } }, { owner }] },
      { $set: { owner, until: new Date(now.getTime() + ttlMs) } },
      { upsert: true },
    );
    return true;
  } catch (err) {
    // The lease exists and is held by someone else: the upsert collided with it on _id.
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}

export async function releaseLease(name: string, owner = PROCESS_OWNER): Promise<void> {
  await Lease.deleteOne({ _id: name, owner });
}
