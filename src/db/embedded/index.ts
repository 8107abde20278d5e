import { Catalog } from './catalog';
import { Logger, listen } from './server';

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
  const server = await listen({
    port: opts.port ?? 0,
    host,
    catalog,
    parameters: { cursorTimeoutMillis: 10 * 60 * 1000, ttlMonitorSleepSecs: 1 },
    logger: opts.logger,
  });
  return {
    uri: `mongodb://${host}:${server.port}/`,
    port: server.port,
    stop: () => server.close(),
  };
}
