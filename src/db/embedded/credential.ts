import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from './privateFiles';
import { Credential } from './scram';

/** The app's database credential, generated on the first start in the data directory, mode 0600. */
export const CREDENTIAL_FILE = 'credential.json';
const USER = 'pdpathways';

const Stored = z.object({ user: z.string().regex(/^[A-Za-z0-9_-]+$/), password: z.string().regex(/^[A-Za-z0-9_-]{32,}$/) });

export function randomCredential(): Credential {
  return { user: USER, password: crypto.randomBytes(32).toString('base64url') };
}

/** The credential stored in `dataDir`, or undefined if there is none (or it cannot be read by us). */
export function readCredential(dataDir: string): Credential | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, CREDENTIAL_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = Stored.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`embedded mongo: ${path.join(dataDir, CREDENTIAL_FILE)} is not a valid credential file`);
  return parsed.data;
}

/** Reads the data directory's credential, creating it on first start. Call with the directory's lock held. */
export function loadOrCreateCredential(dataDir: string): Credential {
  const existing = readCredential(dataDir);
  if (existing) return existing;
  const fresh = randomCredential();
  writePrivateFile(path.join(dataDir, CREDENTIAL_FILE), JSON.stringify(fresh));
  return fresh;
}

/** A connection string for the credential (user and password are URL-safe by construction). */
export function clientUri(host: string, port: number, credential: Credential): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `mongodb://${credential.user}:${credential.password}@${h}:${port}/`;
}
