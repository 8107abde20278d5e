import { Catalog } from './catalog';
import { clientUri, loadOrCreateCredential, randomCredential } from './credential';
import { Persistence } from './persistence';
import { Credential, deriveKeys } from './scram';
import { WireLimits } from './connection';
import type { Logger } from './logger';
import { listen, WireStats } from './server';
import { startTtlMonitor } from './ttl';

export { readCredential, clientUri } from './credential';
export { ensurePrivateDir, writePrivateFile } from './privateFiles';
export type { Credential } from './scram';
export type { WireLimits } from './connection';
export type { WireStats } from './server';

export interface EmbeddedMongo {
  /** Connection string with the credential, ending in '/' so a database name can be appended. */
  uri: string;
  port: number;
  credential: Credential;
  /** Open connections and the largest partial message any of them holds (for tests and diagnostics). */
  stats(): WireStats;
  stop(): Promise<void>;
}

export interface EmbeddedMongoOptions {
  /** 0 = random free port (default). */
  port?: number;
  /** Default 127.0.0.1; only loopback addresses are accepted. */
  host?: string;
  /** undefined = in memory; otherwise data is persisted in this directory (mode 0700, files 0600). */
  dataDir?: string;
  /** Wire-protocol limits (frame timeout, connection cap); defaults suit the app. */
  limits?: Partial<WireLimits>;
  logger?: Logger;
}

/**
 * Starts an in-process server that speaks enough of the MongoDB wire protocol for mongoose and ltijs.
 * Every connection must authenticate with SCRAM-SHA-256: in memory with a random credential, with a data
 * directory with the one stored there (created on first start).
 */
export async function startEmbeddedMongo(opts: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = opts.host ?? '127.0.0.1';
  const catalog = new Catalog();
  const persistence = opts.dataDir ? Persistence.open(opts.dataDir, catalog, opts.logger) : undefined;
  const flush = (): void => persistence?.flush();
  const parameters = { cursorTimeoutMillis: 10 * 60 * 1000, ttlMonitorSleepSecs: 1 };
  let server;
  let credential: Credential;
  try {
    credential = opts.dataDir ? loadOrCreateCredential(opts.dataDir) : randomCredential();
    const auth = deriveKeys(credential);
    server = await listen({ port: opts.port ?? 0, host, catalog, parameters, auth, limits: opts.limits, logger: opts.logger, afterCommand: flush });
  } catch (err) {
    persistence?.close();
    throw err;
  }
  const ttl = startTtlMonitor(catalog, parameters, flush);
  const running = server;
  let stopped: Promise<void> | undefined;
  return {
    uri: clientUri(host, running.port, credential),
    port: running.port,
    credential,
    stats: running.stats,
    stop: () =>
      (stopped ??= (async () => {
        ttl.stop();
        await running.close();
        persistence?.close();
      })()),
  };
}
