import crypto from 'node:crypto';
import { Binary } from 'bson';
import { Doc } from './values';

/**
 * Server side of SCRAM-SHA-256 (RFC 5802 with the SHA-256 hash of RFC 7677), as MongoDB uses it through
 * saslStart/saslContinue: no channel binding, no authorization identity, the password SASLprep'd (ours is
 * ASCII, for which SASLprep is the identity). Only StoredKey and ServerKey are kept, never the password.
 */
export const MECHANISM = 'SCRAM-SHA-256';
/** mongod's default scramSHA256IterationCount; drivers refuse fewer than 4096. */
const ITERATIONS = 15000;
const NONCE_BYTES = 24;

export interface Credential {
  user: string;
  password: string;
}

export interface ScramKeys {
  user: string;
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string | Buffer): Buffer => crypto.createHmac('sha256', key).update(data).digest();

export function deriveKeys(credential: Credential, salt = crypto.randomBytes(28), iterations = ITERATIONS): ScramKeys {
  const salted = crypto.pbkdf2Sync(credential.password, salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return {
    user: credential.user,
    salt,
    iterations,
    storedKey: crypto.createHash('sha256').update(clientKey).digest(),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** One conversation, between a client-first and a client-final message. */
export interface ScramConversation {
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
}

/** Thrown for any malformed or wrong SCRAM message; answered as mongod's AuthenticationFailed. */
export class ScramError extends Error {}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m || out.has(m[1])) throw new ScramError('malformed SCRAM message');
    out.set(m[1], m[2]);
  }
  return out;
}

function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new ScramError('malformed SCRAM username');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** client-first-message → server-first-message. */
export function scramStart(
  keys: ScramKeys,
  clientFirst: string,
  serverNonce = crypto.randomBytes(NONCE_BYTES).toString('base64'),
): { conversation: ScramConversation; payload: string } {
  const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(clientFirst);
  if (!m) throw new ScramError('unsupported SCRAM GS2 header (channel binding is not offered)');
  if (m[2]) throw new ScramError('SCRAM authorization identities are not supported');
  const clientFirstBare = m[3];
  const attrs = attributes(clientFirstBare);
  const [first, second] = [...attrs.keys()];
  if (first !== 'n' || second !== 'r' || attrs.has('m')) throw new ScramError('malformed SCRAM client-first message');
  const clientNonce = attrs.get('r')!;
  if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw new ScramError('invalid SCRAM nonce');
  const user = decodeSaslName(attrs.get('n')!);
  const nonce = clientNonce + serverNonce;
  const serverFirst = `r=${nonce},s=${keys.salt.toString('base64')},i=${keys.iterations}`;
  // An unknown user gets the same answer and fails at the proof, so the reply does not reveal who exists.
  const gs2Header = `${m[1]},,`;
  return { conversation: { gs2Header, clientFirstBare: user === keys.user ? clientFirstBare : '', serverFirst, nonce }, payload: serverFirst };
}

/** client-final-message → server-final-message (v=...), or ScramError if the proof is wrong. */
export function scramFinish(keys: ScramKeys, conv: ScramConversation, clientFinal: string): string {
  const proofAt = clientFinal.lastIndexOf(',p=');
  if (proofAt < 0) throw new ScramError('SCRAM client-final message without a proof');
  const withoutProof = clientFinal.slice(0, proofAt);
  const attrs = attributes(withoutProof);
  const [first, second] = [...attrs.keys()];
  if (first !== 'c' || second !== 'r') throw new ScramError('malformed SCRAM client-final message');
  if (attrs.get('c') !== Buffer.from(conv.gs2Header).toString('base64')) throw new ScramError('SCRAM channel binding mismatch');
  if (attrs.get('r') !== conv.nonce) throw new ScramError('SCRAM nonce mismatch');
  const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
  if (proof.length !== keys.storedKey.length || conv.clientFirstBare === '') throw new ScramError('Authentication failed.');
  const authMessage = `${conv.clientFirstBare},${conv.serverFirst},${withoutProof}`;
  const signature = hmac(keys.storedKey, authMessage);
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ signature[i];
  const stored = crypto.createHash('sha256').update(clientKey).digest();
  if (!crypto.timingSafeEqual(stored, keys.storedKey)) throw new ScramError('Authentication failed.');
  return `v=${hmac(keys.serverKey, authMessage).toString('base64')}`;
}

/** The bytes of a saslStart/saslContinue payload (BinData, or a string from hand-written clients). */
export function payloadText(payload: unknown): string {
  if (payload instanceof Binary) return Buffer.from(payload.buffer.subarray(0, payload.position)).toString('utf8');
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  if (typeof payload === 'string') return payload;
  throw new ScramError('SASL payload must be BinData');
}

export function payloadBinary(text: string): Doc[string] {
  return new Binary(Buffer.from(text, 'utf8'));
}
