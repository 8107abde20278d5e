import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { Provider } from 'ltijs';
import type { Express } from 'express';
import { config, overrideConfig } from '../../src/config';
import { buildApp } from '../../src/app';
import { connectMongoose } from '../../src/db/connection';
import { startEmbeddedMongo } from '../../src/db/embedded';
import { registerPlatform } from '../../src/lti/registration/platforms';
import { csrfFor } from '../../src/web/request';
import { demoRoster, startPlatformServer } from '../../src/demo/platform';
import type { Flavor, LaunchSpec, PlatformSimulator, RunningPlatform, SimCourse, SimUser } from '../../src/demo/platform';
import { launch, LaunchOptions, LaunchResult } from './launchClient';

export type Persona = 'teacher' | 'teacher2' | 'teacher3' | 'coach' | 'pdlead';

export interface SimulatedPlatform {
  sim: PlatformSimulator;
  users: Record<Persona, SimUser>;
  course: SimCourse;
  tenantId: mongoose.Types.ObjectId;
  /** The platform's HTTP server (to watch what the tool asks it for). */
  server: http.Server;
}

/** A launched browser session: the agent keeps cookies, every request carries the ltik. */
export interface Session {
  launch: LaunchResult;
  ltik: string;
  csrf: string;
  get(path: string): supertest.Test;
  /** Posts a form with ltik and CSRF token added. */
  post(path: string, form?: Record<string, unknown>): supertest.Test;
  /** Sends JSON with ltik in the Authorization header and the CSRF header. */
  json(method: 'post' | 'put' | 'delete', path: string, body?: unknown): supertest.Test;
}

export interface Harness {
  app: Express;
  lti: Provider;
  toolUrl: string;
  /** The tool's database, for another process (the CLI) to use. */
  dbUri: string;
  canvas: SimulatedPlatform;
  moodle: SimulatedPlatform;
  /** Full OIDC launch as a persona; the result holds the page the launch landed on. */
  launchAs(platform: SimulatedPlatform, persona: Persona, spec?: Partial<LaunchSpec>, opts?: LaunchOptions): Promise<Session>;
  /** The raw launch flow, for negative tests. */
  rawLaunch(platform: SimulatedPlatform, spec: LaunchSpec, opts?: LaunchOptions): Promise<LaunchResult>;
  db(): mongoose.mongo.Db;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startDatabase(): Promise<{ uri: string; stop(): Promise<void> }> {
  const name = `pdp_test_${crypto.randomBytes(5).toString('hex')}`;
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/${name}`;
    return { uri: url.toString(), stop: async () => undefined };
  }
  const db = await startEmbeddedMongo();
  return { uri: `${db.uri}${name}`, stop: db.stop };
}

async function platform(flavor: Flavor, toolUrl: string): Promise<{ running: RunningPlatform; simulated: SimulatedPlatform }> {
  const running = await startPlatformServer({
    flavor,
    clientId: flavor === 'canvas' ? '10000000000077' : 'moodle-client-77',
    deploymentId: flavor === 'canvas' ? '77:test-canvas' : '3',
    tool: { loginUrl: `${toolUrl}/login`, launchUrl: `${toolUrl}/`, jwksUrl: `${toolUrl}/keys` },
    nrpsPageSize: 10,
  });
  const { users, course } = demoRoster(flavor);
  Object.values(users).forEach((u) => running.sim.addUser(u));
  running.sim.addCourse(course);
  const tenant = await registerPlatform({
    issuer: running.sim.issuer,
    clientId: running.sim.clientId,
    name: flavor === 'canvas' ? 'Test Canvas' : 'Test Moodle',
    family: flavor,
    authUrl: running.sim.authUrl,
    tokenUrl: running.sim.tokenUrl,
    jwksUrl: running.sim.jwksUrl,
    deploymentIds: [running.sim.deploymentId],
    source: 'cli',
  });
  return { running, simulated: { sim: running.sim, users: users as Record<Persona, SimUser>, course, tenantId: tenant._id, server: running.server } };
}

function session(result: LaunchResult): Session {
  if (!result.ltik) throw new Error(`launch failed (${result.status}): ${result.text.slice(0, 500)}`);
  const ltik = result.ltik;
  const csrf = csrfFor(ltik);
  const withLtik = (path: string) => `${path}${path.includes('?') ? '&' : '?'}ltik=${encodeURIComponent(ltik)}`;
  return {
    launch: result,
    ltik,
    csrf,
    get: (path) => result.agent.get(withLtik(path)),
    post: (path, form = {}) => result.agent.post(path).type('form').send({ ...form, ltik, _csrf: csrf }),
    json: (method, path, body) =>
      result.agent[method](path).set('Authorization', `Bearer ${ltik}`).set('X-CSRF-Token', csrf).set('Accept', 'application/json').send(body as object),
  };
}

/** Boots the whole tool (database, ltijs, routers) plus a Canvas-like and a Moodle-like platform. */
export async function startHarness(): Promise<Harness> {
  const database = await startDatabase();
  const server = http.createServer();
  const toolUrl = await listen(server);
  overrideConfig({ publicUrl: toolUrl });
  await connectMongoose(database.uri);
  const { app, lti } = await buildApp(config(), database.uri);
  server.on('request', app);
  const canvas = await platform('canvas', toolUrl);
  const moodle = await platform('moodle', toolUrl);

  return {
    app,
    lti,
    toolUrl,
    dbUri: database.uri,
    canvas: canvas.simulated,
    moodle: moodle.simulated,
    async launchAs(p, persona, spec = {}, opts = {}) {
      const user = p.users[persona];
      const result = await launch(app, p.sim, { user: user.sub, course: p.course.id, resourceLink: { id: 'rl-home', title: 'PD Pathways' }, ...spec }, opts);
      return session(result);
    },
    rawLaunch: (p, spec, opts) => launch(app, p.sim, spec, opts),
    db: () => mongoose.connection.db!,
    async close() {
      await canvas.running.close();
      await moodle.running.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lti.close({ silent: true });
      await mongoose.disconnect();
      await database.stop();
    },
  };
}
