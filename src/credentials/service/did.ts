import { scoped, TenantId } from '../../db/tenancy';
import { seal, unseal } from '../../secrets';
import { IssuerKey, IssuerKeyDoc } from '../model';
import { didOf, integrityLibs } from './integrity';
import { activeIssuerKey, publishedKeys } from './issuer';

// The district as a did:web: one Ed25519 verification method per key generation, rotated with the RS256 key.

export function verificationMethodId(tenantId: TenantId, key: Pick<IssuerKeyDoc, 'keyId'>): string {
  return `${didOf(tenantId)}#${key.keyId}`;
}

/** The active key with its Ed25519 half, added on first use (also to keys made before did:web existed). */
export async function activeDidKey(tenantId: TenantId): Promise<IssuerKeyDoc> {
  const key = await activeIssuerKey(tenantId);
  if (key.ed25519?.publicKeyMultibase) return key;
  const { Ed25519Multikey } = await integrityLibs();
  const pair = await (await Ed25519Multikey.generate()).export({ publicKey: true, secretKey: true });
  await IssuerKey.updateOne(scoped(tenantId, { _id: key._id, 'ed25519.publicKeyMultibase': { $exists: false } }), {
    $set: { ed25519: { publicKeyMultibase: pair.publicKeyMultibase, sealedSecretKey: seal(pair.secretKeyMultibase!) } },
  });
  return (await IssuerKey.findOne(scoped(tenantId, { _id: key._id })).lean<IssuerKeyDoc>())!;
}

/** A Data Integrity signer for the key (its id is the verification method the proof names). */
export async function didSigner(tenantId: TenantId, key: IssuerKeyDoc): Promise<unknown> {
  const { Ed25519Multikey } = await integrityLibs();
  const pair = await Ed25519Multikey.from({
    id: verificationMethodId(tenantId, key),
    controller: didOf(tenantId),
    publicKeyMultibase: key.ed25519!.publicKeyMultibase!,
    secretKeyMultibase: unseal(key.ed25519!.sealedSecretKey!),
  });
  return pair.signer();
}

function verificationMethod(tenantId: TenantId, key: IssuerKeyDoc) {
  return { id: verificationMethodId(tenantId, key), type: 'Multikey', controller: didOf(tenantId), publicKeyMultibase: key.ed25519!.publicKeyMultibase! };
}

/**
 * The DID document: every published key that has an Ed25519 half (active and retired; a compromised key is
 * gone, like its JWK), each usable for assertions (DID Core §5.3.2, Multikey from Controlled Identifiers §2.2.2).
 */
export async function didDocument(tenantId: TenantId) {
  await activeDidKey(tenantId);
  const keys = (await publishedKeys(tenantId)).filter((k) => k.ed25519?.publicKeyMultibase);
  const methods = keys.map((k) => verificationMethod(tenantId, k));
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: didOf(tenantId),
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
  };
}

/** What a DID URL of this district dereferences to: the document, or one verification method in it. */
export async function resolveDidUrl(tenantId: TenantId, url: string): Promise<unknown | undefined> {
  const did = didOf(tenantId);
  if (url !== did && !url.startsWith(`${did}#`)) return undefined;
  const doc = await didDocument(tenantId);
  if (url === did) return doc;
  const method = doc.verificationMethod.find((m) => m.id === url);
  return method && { '@context': 'https://w3id.org/security/multikey/v1', ...method };
}
