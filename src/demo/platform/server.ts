import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { PlatformSimulator } from './simulator';
import type { PlatformSimulatorOptions } from './types';

export interface RunningPlatform {
  sim: PlatformSimulator;
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Serves a simulator over real HTTP on 127.0.0.1 (port 0 = any free port), with its keys generated.
 * The base URL is only known once listening, hence this helper.
 */
export async function startPlatformServer(
  opts: Omit<PlatformSimulatorOptions, 'baseUrl'> & { port?: number },
): Promise<RunningPlatform> {
  const app = express();
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sim = new PlatformSimulator({ ...opts, baseUrl });
  await sim.init();
  app.use(sim.router);
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { sim, server, baseUrl, close };
}
