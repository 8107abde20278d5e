import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type KeyLike,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  demoRoster,
  startPlatformServer,
  type Flavor,
  type PlatformSimulator,
  type PlatformSimulatorOptions,
} from '../../src/demo/platform';

/**
 * A minimal LTI tool for testing the simulator on its own: JWKS, OIDC login, launch and
 * deep-linking endpoints, and helpers to sign client assertions and deep-linking responses.
 */
export class FakeTool {
  readonly app = express();
  /** Verified id_token payloads received at the launch URLs. */
  readonly launches: JWTPayload[] = [];
  readonly kid = randomUUID();
  private privateKey!: KeyLike;
  private publicJwk!: JWK;
  private sim?: PlatformSimulator;
  private readonly pending = new Map<string, string>();

  private constructor(readonly url: string) {}

  static async start(): Promise<{ tool: FakeTool; close: () => Promise<void> }> {
    const app = express();
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tool = new FakeTool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await tool.init();
    app.use(tool.app);
    const close = (): Promise<void> =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return { tool, close };
  }

  get endpoints(): { loginUrl: string; launchUrl: string; jwksUrl: string; deepLinkUrl: string } {
    return {
      loginUrl: `${this.url}/login`,
      launchUrl: `${this.url}/launch`,
      jwksUrl: `${this.url}/.well-known/jwks.json`,
      deepLinkUrl: `${this.url}/deep-link`,
    };
  }

  connect(sim: PlatformSimulator): void {
    this.sim = sim;
  }

  private async init(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.publicJwk = { ...(await exportJWK(publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
    const form = express.urlencoded({ extended: false });
    this.app.get('/.well-known/jwks.json', (_req, res) => {
      res.json({ keys: [this.publicJwk] });
    });
    this.app.all('/login', form, (req, res) => this.login(req, res));
    this.app.post(['/launch', '/deep-link'], form, (req, res, next) => this.receiveLaunch(req, res).catch(next));
    this.app.get('/app', (req, res) => {
      res.status(200).send(`Welcome (ltik ${String(req.query.ltik)})`);
    });
  }

  private login(req: express.Request, res: express.Response): void {
    const params = { ...req.query, ...req.body } as Record<string, string>;
    const sim = this.platform();
    if (params.iss !== sim.issuer) {
      res.status(400).send('unknown issuer');
      return;
    }
    const state = randomBytes(16).toString('hex');
    const nonce = randomBytes(16).toString('hex');
    this.pending.set(state, nonce);
    const auth = new URL(sim.authUrl);
    const query: Record<string, string | undefined> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: params.client_id,
      redirect_uri: params.target_link_uri?.split('?')[0],
      login_hint: params.login_hint,
      lti_message_hint: params.lti_message_hint,
      state,
      nonce,
    };
    for (const [key, value] of Object.entries(query)) if (value !== undefined) auth.searchParams.set(key, value);
    res.cookie('lti_state', state, { httpOnly: true, sameSite: 'lax' });
    res.redirect(302, auth.toString());
  }

  private async receiveLaunch(req: express.Request, res: express.Response): Promise<void> {
    const { id_token: idToken, state } = req.body as Record<string, string>;
    const cookieState = /(?:^|;\s*)lti_state=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    const nonce = state ? this.pending.get(state) : undefined;
    if (!idToken || !state || cookieState !== state || !nonce) {
      res.status(401).send('state not bound to this browser');
      return;
    }
    try {
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(await fetchJwks(this.platform().jwksUrl)), {
        issuer: this.platform().issuer,
        audience: this.platform().clientId,
      });
      if (payload.nonce !== nonce) throw new Error('nonce mismatch');
      this.pending.delete(state);
      this.launches.push(payload);
      res.redirect(302, `/app?ltik=${randomBytes(8).toString('hex')}`);
    } catch (err) {
      res.status(401).send(`invalid id_token: ${(err as Error).message}`);
    }
  }

  private platform(): PlatformSimulator {
    if (!this.sim) throw new Error('FakeTool.connect(sim) first');
    return this.sim;
  }

  sign(payload: JWTPayload, opts: { key?: KeyLike; kid?: string; expiresIn?: string } = {}): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? this.kid })
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '5m')
      .sign(opts.key ?? this.privateKey);
  }

  clientAssertion(overrides: JWTPayload = {}, opts: { key?: KeyLike } = {}): Promise<string> {
    const sim = this.platform();
    return this.sign({ iss: sim.clientId, sub: sim.clientId, aud: sim.tokenUrl, jti: randomUUID(), ...overrides }, opts);
  }

  async tokenRequest(fields: Record<string, string>): Promise<Response> {
    return fetch(this.platform().tokenUrl, { method: 'POST', body: new URLSearchParams(fields) });
  }

  async accessToken(scopes: string[]): Promise<string> {
    const res = await this.tokenRequest({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await this.clientAssertion(),
      scope: scopes.join(' '),
    });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }
}

export async function fetchJwks(url: string): Promise<JSONWebKeySet> {
  return (await (await fetch(url)).json()) as JSONWebKeySet;
}

export interface Harness {
  sim: PlatformSimulator;
  tool: FakeTool;
  roster: ReturnType<typeof demoRoster>;
  close: () => Promise<void>;
}

/** A fake tool and a simulator (both over real HTTP) registered with each other, seeded with the demo roster. */
export async function startHarness(
  flavor: Flavor,
  opts: Partial<Omit<PlatformSimulatorOptions, 'flavor' | 'baseUrl' | 'tool'>> = {},
): Promise<Harness> {
  const { tool, close: closeTool } = await FakeTool.start();
  const platform = await startPlatformServer({
    flavor,
    clientId: flavor === 'canvas' ? '10000000000042' : 'moodle-client-7',
    deploymentId: flavor === 'canvas' ? '42:8865aa05b4b79b64a91a86042e43af5ea8ae79eb' : '1',
    tool: tool.endpoints,
    ...opts,
  });
  tool.connect(platform.sim);
  const roster = demoRoster(flavor);
  for (const user of Object.values(roster.users)) platform.sim.addUser(user);
  platform.sim.addCourse(roster.course);
  return {
    sim: platform.sim,
    tool,
    roster,
    close: async () => {
      await platform.close();
      await closeTool();
    },
  };
}
