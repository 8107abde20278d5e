import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
  type KeyLike,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

export interface SignOptions {
  signWith?: 'foreign-key' | 'none';
  kid?: string;
}

/** The platform's RSA keys: every key ever used stays published, the newest one signs. */
export class PlatformKeys {
  private keys: SigningKey[] = [];
  private foreign?: SigningKey;

  async init(): Promise<void> {
    if (this.keys.length === 0) this.keys.push(await newSigningKey());
  }

  async rotate(): Promise<string> {
    const key = await newSigningKey();
    this.keys.push(key);
    return key.kid;
  }

  get currentKid(): string {
    return this.current().kid;
  }

  jwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(payload: JWTPayload, opts: SignOptions = {}): Promise<string> {
    if (opts.signWith === 'none') return new UnsecuredJWT(payload).encode();
    const key = opts.signWith === 'foreign-key' ? await this.foreignKey() : this.current();
    // A foreign key impersonates the published kid unless the tamper names another one.
    const kid = opts.kid ?? this.current().kid;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key.privateKey);
  }

  private current(): SigningKey {
    const key = this.keys[this.keys.length - 1];
    if (!key) throw new Error('PlatformSimulator.init() must be awaited before signing');
    return key;
  }

  private async foreignKey(): Promise<SigningKey> {
    this.foreign ??= await newSigningKey();
    return this.foreign;
  }
}

/** Verifies a JWT signed by the tool, against the tool's JWKS fetched now (so rotations are seen). */
export async function verifyWithRemoteJwks(jwt: string, jwksUrl: string): Promise<JWTVerifyResult> {
  const res = await fetch(jwksUrl, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`tool JWKS ${jwksUrl} answered ${res.status}`);
  const jwks = (await res.json()) as JSONWebKeySet;
  return jwtVerify(jwt, createLocalJWKSet(jwks), { algorithms: ['RS256'], clockTolerance: 5 });
}
