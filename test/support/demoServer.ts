import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { AppConfig, config, overrideConfig } from '../../src/config';
import { buildApp } from '../../src/app';
import { connectMongoose } from '../../src/db/connection';
import { startEmbeddedMongo } from '../../src/db/embedded';
import { createDemo } from '../../src/demo';

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** The app as `npm start` runs it (demo platforms mounted, districts seeded), on an in-memory database. */
export async function startDemoServer(cookies?: AppConfig['lti']['cookies']): Promise<DemoServer> {
  const db = await startEmbeddedMongo();
  const uri = `${db.uri}pdp_e2e`;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ltiConfig = cookies ? { ...config().lti, cookies } : config().lti;
  const cfg = overrideConfig({ publicUrl: url, demo: { enabled: true }, lti: ltiConfig });
  await connectMongoose(uri);
  const demo = await createDemo(cfg);
  const { app, lti } = await buildApp(config(), uri, [demo.router]);
  server.on('request', app);
  await demo.seed();
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lti.close({ silent: true });
      await demo.close();
      await mongoose.disconnect();
      await db.stop();
    },
  };
}
