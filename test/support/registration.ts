import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import supertest from 'supertest';
import type { Express } from 'express';
import type mongoose from 'mongoose';
import { issueInvite, InviteRequest } from '../../src/registration/service';

/** A registration link as `npm run platform:link` prints it, and its path for supertest. */
export async function registrationLink(req: Partial<InviteRequest> = {}): Promise<{ url: string; path: string; tokenHash: string }> {
  const invite = await issueInvite({ issuedBy: 'test', ...req });
  const path = new URL(invite.url).pathname;
  return { url: invite.url, path, tokenHash: crypto.createHash('sha256').update(path.split('/').pop()!).digest('hex') };
}

/** The path and query the LMS opens: the link plus `openid_configuration` and `registration_token`. */
export function opened(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

const decode = (v: string) => v.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The confirmation form's action and hidden fields, as the browser would post them. */
export function confirmationForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no confirmation form in: ${html.slice(0, 400)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = decode(m[2]);
  return { action: decode(action), fields };
}

/** GET the page the LMS opens, then POST its confirmation form, as the LMS admin's browser does. */
export async function registerThrough(app: Express, startUrl: string): Promise<supertest.Response> {
  const page = await supertest(app).get(opened(startUrl));
  if (page.status !== 200) return page;
  const form = confirmationForm(page.text);
  return supertest(app).post(form.action).type('form').send(form.fields);
}

/** Everything a registration could change: platforms and their keys, tenants, invites, audit entries. */
export async function registrationState(db: mongoose.mongo.Db): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const name of ['platforms', 'publickeys', 'privatekeys', 'tenants', 'registrationInvites', 'auditLog']) {
    state[name] = await db.collection(name).find().sort({ _id: 1 }).toArray();
  }
  return state;
}

export interface HostilePlatform {
  /** The base URL, on the given host name. */
  url: string;
  configurationUrl: string;
  /** Every request the platform received (method and path). */
  hits: string[];
  close(): Promise<void>;
}

export interface HostileOptions {
  host?: '127.0.0.1' | 'localhost';
  /** The issuer the configuration names; default the platform's own URL. */
  issuer?: string;
  clientId?: string;
  /** What the registration endpoint answers; default 200 with the client id. */
  registration?: { status: number; body: string };
  /** What the configuration endpoint answers instead of the configuration. */
  configuration?: { status: number; body: string; location?: string };
}

/** A platform an attacker runs: it serves whatever configuration and registration answer the test asks for. */
export async function hostilePlatform(opts: HostileOptions): Promise<HostilePlatform> {
  const app = express();
  const hits: string[] = [];
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  app.use((req, _res, next) => {
    hits.push(`${req.method} ${req.path}`);
    next();
  });
  app.get('/openid-configuration', (_req, res) => {
    if (opts.configuration) {
      if (opts.configuration.location) res.setHeader('location', opts.configuration.location);
      res.status(opts.configuration.status).send(opts.configuration.body);
      return;
    }
    res.json({
      issuer: opts.issuer ?? url,
      authorization_endpoint: `${url}/auth`,
      token_endpoint: `${url}/token`,
      jwks_uri: `${url}/jwks`,
      registration_endpoint: `${url}/register`,
      'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'moodle', version: '4.5' },
    });
  });
  app.post('/register', (_req, res) => {
    if (opts.registration) res.status(opts.registration.status).type('text/html').send(opts.registration.body);
    else res.json({ client_id: opts.clientId ?? 'hostile-client', 'https://purl.imsglobal.org/spec/lti-tool-configuration': { deployment_id: '1' } });
  });
  return {
    url,
    configurationUrl: `${url}/openid-configuration`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
