import net from 'node:net';
import { Catalog } from './catalog';
import { Parameters, ServerState } from './commands/context';
import { CursorRegistry } from './cursors';
import { ScramKeys } from './scram';
import { serveConnection, WireLimits } from './connection';
import type { Logger } from './logger';

export interface ServerOptions {
  port: number;
  host: string;
  catalog: Catalog;
  parameters: Parameters;
  /** The one user's SCRAM-SHA-256 keys; every connection must authenticate as it. */
  auth: ScramKeys;
  limits?: Partial<WireLimits>;
  logger?: Logger;
  /** Called after each command, before its reply is written (persistence makes writes durable here). */
  afterCommand?: () => void;
}

export interface WireStats {
  connections: number;
  /** The most bytes any one connection holds for a message that has not fully arrived. */
  maxPendingBytes: number;
}

export interface WireServer {
  state: ServerState;
  port: number;
  stats(): WireStats;
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: WireLimits = { frameTimeoutMs: 10_000, maxConnections: 1000, slowMs: 100 };

/** Only loopback addresses: the embedded server is never reachable from another machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** TCP front end on a loopback address: accepts connections and hands each to serveConnection. */
export async function listen(opts: ServerOptions): Promise<WireServer> {
  if (!isLoopback(opts.host)) throw new Error(`embedded mongo: refusing to listen on ${opts.host}; only loopback addresses are allowed`);
  const state: ServerState = {
    catalog: opts.catalog,
    cursors: new CursorRegistry(opts.parameters.cursorTimeoutMillis),
    parameters: opts.parameters,
    startedAt: new Date(),
    commandCounts: new Map(),
  };
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const sockets = new Map<net.Socket, () => number>();
  const server = net.createServer((socket) => {
    socket.on('close', () => sockets.delete(socket));
    sockets.set(socket, serveConnection(socket, { state, keys: opts.auth, limits, logger: opts.logger, afterCommand: opts.afterCommand }));
  });
  server.maxConnections = limits.maxConnections;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;

  return {
    state,
    port: address.port,
    stats: () => ({ connections: sockets.size, maxPendingBytes: Math.max(0, ...[...sockets.values()].map((pending) => pending())) }),
    close: () =>
      new Promise<void>((resolve) => {
        state.cursors.close();
        for (const s of sockets.keys()) s.destroy();
        server.close(() => resolve());
      }),
  };
}
