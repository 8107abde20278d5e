// What ltijs stores for a launch: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import type { Provider } from 'ltijs';

/**
 * ltijs reads and writes its own collections through one `Database` object: the platform and its status on
 * every login and launch, the nonce (read, then inserted), the saved target query, and the id_token and
 * context token it writes at the launch POST and reads back at the very next request. This wraps that
 * object so a launch costs only the writes it needs:
 * - platform registrations are cached for PLATFORM_CACHE_MS (found ones only; any write through ltijs in this
 *   process clears them, other instances see a change within that time, like the tenant cache);
 * - a launch whose state and nonce `guard.ts` has just bound to the login it consumed (single use, atomic)
 *   skips ltijs's second nonce store and, when the target link had no query, its `state` lookup;
 * - the id_token and context token are rewritten only when they changed since this process last wrote them
 *   (or REWRITE_AFTER_MS ago, well inside their 24 h expiry); a deep-linking context token, whose settings
 *   change per launch, always is. The next read of what this process just wrote is answered from memory once.
 */

type Query = Record<string, unknown>;
type Result = unknown[] | false;

export interface LtijsDatabase {
  Get(enc: string | false, collection: string, query?: Query): Promise<Result>;
  Insert(enc: string | false, collection: string, item: Query, index?: Query): Promise<unknown>;
  Replace(enc: string | false, collection: string, query: Query, item: Query, index?: Query): Promise<unknown>;
  Modify(enc: string | false, collection: string, query: Query, modification: Query): Promise<unknown>;
  Delete(collection: string, query: Query): Promise<unknown>;
}

export const PLATFORM_CACHE_MS = 5000;
const REWRITE_AFTER_MS = 10 * 60_000;
const READ_BACK_MS = 30_000;
const BOUND_MS = 60_000;
const REGISTRATION = new Set(['platform', 'platformStatus', 'publickey', 'privatekey']);
const CACHED_REGISTRATION = new Set(['platform', 'platformStatus']);
const SESSION_TOKENS = new Set(['idtoken', 'contexttoken']);

interface Bound {
  nonce: string;
  hasQuery: boolean;
  until: number;
}

const boundStates = new Map<string, Bound>();
const boundNonces = new Map<string, number>();

function sweep(now: number): void {
  for (const [state, b] of boundStates) if (b.until < now) boundStates.delete(state);
  for (const [nonce, until] of boundNonces) if (until < now) boundNonces.delete(nonce);
}

/**
 * The guard consumed the login for `state` (one delete, so never twice) and checked that the id_token's nonce
 * is the one sent for it: ltijs need not store the nonce again, nor look up a target query that was never saved.
 */
export function bindLaunch(state: string, nonce: string, targetLinkUri: string): void {
  const now = Date.now();
  sweep(now);
  boundStates.set(state, { nonce, hasQuery: Boolean(targetLinkUri.split('?')[1]), until: now + BOUND_MS });
  boundNonces.set(nonce, now + BOUND_MS);
}

const key = (collection: string, query: Query | undefined) => `${collection} ${JSON.stringify(query ?? {})}`;

class LaunchStore {
  private generation = 0;
  private readonly registrations = new Map<string, { at: number; result: Promise<Result> }>();
  private readonly written = new Map<string, { fingerprint: string; at: number }>();
  private readonly readBack = new Map<string, { doc: Query; at: number }>();

  constructor(private readonly db: LtijsDatabase) {}

  get(get: LtijsDatabase['Get'], enc: string | false, collection: string, query?: Query): Promise<Result> {
    if (collection === 'nonce' && boundNonces.has(String(query?.nonce))) return Promise.resolve(false);
    if (collection === 'state' && this.unsavedState(String(query?.state))) return Promise.resolve(false);
    const k = key(collection, query);
    if (SESSION_TOKENS.has(collection)) {
      const fresh = this.readBack.get(k);
      this.readBack.delete(k);
      if (fresh && Date.now() - fresh.at < READ_BACK_MS) return Promise.resolve([structuredClone(fresh.doc)]);
    }
    if (enc || !CACHED_REGISTRATION.has(collection)) return get(enc, collection, query);
    return this.registration(get, k, collection, query);
  }

  private unsavedState(state: string): boolean {
    const bound = boundStates.get(state);
    if (!bound) return false;
    boundStates.delete(state);
    return !bound.hasQuery;
  }

  private registration(get: LtijsDatabase['Get'], k: string, collection: string, query?: Query): Promise<Result> {
    const hit = this.registrations.get(k);
    if (hit && Date.now() - hit.at < PLATFORM_CACHE_MS) return hit.result;
    const generation = this.generation;
    const result = get(false, collection, query);
    this.registrations.set(k, { at: Date.now(), result });
    // Only found registrations are kept: a platform registered a moment ago by another process is seen at once.
    result.then(
      (r) => (!r || generation !== this.generation) && this.registrations.get(k)?.result === result && this.registrations.delete(k),
      () => this.registrations.delete(k),
    );
    return result;
  }

  async insert(insert: LtijsDatabase['Insert'], enc: string | false, collection: string, item: Query, index?: Query): Promise<unknown> {
    if (collection === 'nonce' && boundNonces.delete(String(item.nonce))) return true;
    return this.write(collection, () => insert(enc, collection, item, index));
  }

  async replace(replace: LtijsDatabase['Replace'], enc: string | false, collection: string, query: Query, item: Query, index?: Query): Promise<unknown> {
    if (enc || !SESSION_TOKENS.has(collection)) return this.write(collection, () => replace(enc, collection, query, item, index));
    const k = key(collection, query);
    const fingerprint = JSON.stringify(item);
    const last = this.written.get(k);
    const now = Date.now();
    const deepLinking = item.messageType === 'LtiDeepLinkingRequest';
    if (!last || last.fingerprint !== fingerprint || now - last.at > REWRITE_AFTER_MS || deepLinking) {
      this.written.delete(k);
      await replace(enc, collection, query, item, index);
      this.written.set(k, { fingerprint, at: now });
    }
    this.prune(now);
    this.readBack.set(k, { doc: JSON.parse(JSON.stringify({ ...item, createdAt: new Date(now) })) as Query, at: now });
    return true;
  }

  private prune(now: number): void {
    for (const [k, v] of this.readBack) if (now - v.at > READ_BACK_MS) this.readBack.delete(k);
    if (this.written.size > 50_000) this.written.clear();
  }

  /** A write through ltijs: registrations are read again, session tokens written again next time. */
  private changed(collection: string): void {
    if (REGISTRATION.has(collection)) {
      this.generation++;
      this.registrations.clear();
    }
    if (SESSION_TOKENS.has(collection)) {
      for (const map of [this.written, this.readBack]) for (const k of map.keys()) if (k.startsWith(`${collection} `)) map.delete(k);
    }
  }

  /** Runs a write, forgetting what it may change both before (reads in flight) and after it. */
  async write<T>(collection: string, run: () => Promise<T>): Promise<T> {
    this.changed(collection);
    try {
      return await run();
    } finally {
      this.changed(collection);
    }
  }

  install(): void {
    const db = this.db;
    const get = db.Get.bind(db);
    const insert = db.Insert.bind(db);
    const replace = db.Replace.bind(db);
    const modify = db.Modify.bind(db);
    const del = db.Delete.bind(db);
    db.Get = (enc, collection, query) => this.get(get, enc, collection, query);
    db.Insert = (enc, collection, item, index) => this.insert(insert, enc, collection, item, index);
    db.Replace = (enc, collection, query, item, index) => this.replace(replace, enc, collection, query, item, index);
    db.Modify = (enc, collection, query, modification) => this.write(collection, () => modify(enc, collection, query, modification));
    db.Delete = (collection, query) => this.write(collection, () => del(collection, query));
  }
}

const installed = new WeakSet<object>();

/** Wraps ltijs's database object (once per object: ltijs keeps one for the process). */
export function useLaunchStore(lti: Provider): void {
  const db = lti.Database as unknown as LtijsDatabase;
  if (installed.has(db)) return;
  installed.add(db);
  new LaunchStore(db).install();
}
