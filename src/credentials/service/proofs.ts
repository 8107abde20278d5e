import { scoped, TenantId } from '../../db/tenancy';
import { Credential, CredentialDoc, IssuerProfile, IssuerProfileDoc } from '../model';
import { isoSeconds, Ob3Credential, obUrls } from '../presenter';
import { activeDidKey, didSigner, resolveDidUrl } from './did';
import { didOf, documentLoader, integrityLibs } from './integrity';

// OB 3.0 credentials secured with an eddsa-rdfc-2022 Data Integrity proof, and their status.
//
// Status is a W3C BitstringStatusList rather than 1EdTech's revocation list: the list is a bitstring of
// 131,072 entries (the spec's minimum, for herd privacy), so it names nobody — a verifier learns only its own
// credential's bit — it is itself a signed credential, and DCC's verifier and wallets check it.

const LIST_LENGTH = 131_072;

/** Reserves the credential's bit in the district's list (one list: 131,072 credentials per district). */
async function nextStatusIndex(tenantId: TenantId): Promise<number> {
  const before = await IssuerProfile.findOneAndUpdate(scoped(tenantId, { _id: tenantId }), { $inc: { nextStatusIndex: 1 } }).lean<IssuerProfileDoc>();
  const index = before?.nextStatusIndex ?? 0;
  if (index >= LIST_LENGTH) throw new Error('The district’s status list is full');
  return index;
}

async function signWithDid(tenantId: TenantId, credential: object): Promise<Record<string, unknown>> {
  const { vc, DataIntegrityProof, cryptosuite } = await integrityLibs();
  const key = await activeDidKey(tenantId);
  const suite = new DataIntegrityProof({ signer: await didSigner(tenantId, key), cryptosuite });
  return vc.issue({ credential, suite, documentLoader: loaderFor(tenantId) });
}

/** The credential as the did:web issues it: the same content, the DID as issuer id, a status list entry. */
export async function secureCredential(tenantId: TenantId, credential: Ob3Credential): Promise<{ signed: Record<string, unknown>; statusIndex: number }> {
  const statusIndex = await nextStatusIndex(tenantId);
  const list = obUrls(tenantId).statusList;
  const unsigned = {
    ...credential,
    issuer: { ...credential.issuer, id: didOf(tenantId) },
    credentialStatus: { id: `${list}#${statusIndex}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(statusIndex), statusListCredential: list },
  };
  return { signed: await signWithDid(tenantId, unsigned), statusIndex };
}

/** The district's revocation list as of now, signed by its DID (Bitstring Status List §2.2). */
export async function statusListCredential(tenantId: TenantId): Promise<Record<string, unknown>> {
  const { statusList } = await integrityLibs();
  const list = await statusList.createList({ length: LIST_LENGTH });
  const revoked = await Credential.find(scoped(tenantId, { revokedAt: { $exists: true }, statusIndex: { $exists: true } }), { statusIndex: 1 }).lean<{ statusIndex: number }[]>();
  for (const { statusIndex } of revoked) list.setStatus(statusIndex, true);
  const unsigned = await statusList.createCredential({ id: obUrls(tenantId).statusList, list, statusPurpose: 'revocation' });
  return signWithDid(tenantId, { ...unsigned, issuer: didOf(tenantId), validFrom: isoSeconds(new Date()) });
}

/** Our own DID document and status list, looked up in process: the verify page needs no network either. */
function loaderFor(tenantId: TenantId) {
  return documentLoader(async (url) => (url === obUrls(tenantId).statusList ? statusListCredential(tenantId) : resolveDidUrl(tenantId, url)));
}

/** A set status bit means revoked: the library reports the bit, deciding is the verifier's part. */
export async function revocationCheck(options: object): Promise<{ verified: boolean; revoked: boolean }> {
  const { statusList } = await integrityLibs();
  const result = (await statusList.checkStatus(options)) as { verified: boolean; results?: { status?: boolean }[] };
  const revoked = (result.results ?? []).some((r) => r.status === true);
  return { verified: result.verified && !revoked, revoked };
}

export interface IntegrityCheck {
  valid: boolean;
  /** What was checked, in plain words, one sentence each. */
  findings: string[];
}

/** Verifies the Data Integrity credential as an outside verifier does: proof, key in the DID document, status. */
export async function checkIntegrity(c: CredentialDoc): Promise<IntegrityCheck | undefined> {
  if (!c.ob3Signed) return undefined;
  const { vc, DataIntegrityProof, cryptosuite } = await integrityLibs();
  let revoked = false;
  const checkStatus = async (options: object) => {
    const result = await revocationCheck(options);
    revoked = result.revoked;
    return result;
  };
  const result = await vc.verifyCredential({ credential: c.ob3Signed as object, suite: new DataIntegrityProof({ cryptosuite }), documentLoader: loaderFor(c.tenantId), checkStatus });
  if (result.verified) {
    return {
      valid: true,
      findings: [
        'Its contents are exactly as the district signed them: the Data Integrity proof (eddsa-rdfc-2022) checks out.',
        `The signing key is one the district publishes in its DID document (${didOf(c.tenantId)}).`,
        'It has not been revoked: its entry in the district’s signed status list is clear.',
      ],
    };
  }
  if (revoked) return { valid: false, findings: ['The district has revoked it: its entry in the district’s status list is set.'] };
  return { valid: false, findings: ['Its proof does not check out: it was changed after signing, or its signing key was withdrawn.'] };
}
