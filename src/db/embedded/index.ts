import { Catalog } from './catalog';
import { Persistence } from './persistence';
import { Logger, listen } from './server';
import { startTtlMonitor } from './ttl';

export interface EmbeddedMongo {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedMongoOptions {
  /** 0 = random free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** undefined = in memory; otherwise data is persisted in this directory. */
  dataDir?: string;
  logger?: Logger;
}

/** Starts an in-process server that speaks enough of the MongoDB wire protocol for mongoose and ltijs. */
export async function startEmbeddedMongo(opts: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = opts.host ?? '127.0.0.1';
  const catalog = new Catalog();
  const persistence = opts.dataDir ? Persistence.open(opts.dataDir, catalog, opts.logger) : undefined;
  const flush = (): void => persistence?.flush();
  const parameters = { cursorTimeoutMillis: 10 * 60 * 1000, ttlMonitorSleepSecs: 1 };
  let server;
  try {
    server = await listen({ port: opts.port ?? 0, host, catalog, parameters, logger: opts.logger, afterCommand: flush });
  } catch (err) {
    persistence?.close();
    throw err;
  }
  const ttl = startTtlMonitor(catalog, parameters, flush);
  const running = server;
  let stopped: Promise<void> | undefined;
  return {
    uri: `mongodb://${host}:${running.port}/`,
    port: running.port,
    stop: () =>
      (stopped ??= (async () => {
        ttl.stop();
        await running.close();
        persistence?.close();
      })()),
  };
}
