import type express from 'express';
import supertest from 'supertest';
import type { LaunchSpec, PlatformSimulator } from '../../src/demo/platform';

export interface LaunchResult {
  status: number;
  /** The tool's redirect after the launch POST (the one carrying `ltik`), if any. */
  location?: string;
  ltik?: string;
  text: string;
  /** Carries the tool's cookies. */
  agent: supertest.Agent;
  idToken: string;
  state: string;
}

export interface LaunchOptions {
  /** Default true; false: the browser keeps no tool cookie at all (third-party cookies blocked in the frame). */
  cookies?: boolean;
  /** false: the state cookie set at login does not come back with the launch POST. */
  launchCookies?: boolean;
  agent?: supertest.Agent;
  /** Skip login and auth; post this id_token and state straight to the tool's launch URL. */
  replay?: { idToken: string; state: string };
  /** Post this state instead of the one the platform returned. */
  overrideState?: string;
}

/** A step of the flow answered something other than the next step of a launch. */
export class LaunchFlowError extends Error {
  constructor(
    readonly step: 'login' | 'auth',
    readonly status: number,
    readonly text: string,
  ) {
    super(`${step} answered ${status}: ${text.slice(0, 300)}`);
  }
}

/**
 * Runs a browser-like LTI 1.3 launch: platform form-posts the login initiation to the tool, the
 * tool redirects to the platform's auth endpoint (fetched over real HTTP), the platform's form is
 * posted back to the tool, and the tool's `ltik` redirect is followed once.
 */
export async function launch(
  toolApp: express.Express,
  sim: PlatformSimulator,
  spec: LaunchSpec,
  opts: LaunchOptions = {},
): Promise<LaunchResult> {
  const agent = opts.agent ?? supertest.agent(toolApp);
  const noJar = { get: (p: string) => supertest(toolApp).get(p), post: (p: string) => supertest(toolApp).post(p) };
  const loginAgent = opts.cookies === false ? noJar : opts.launchCookies === false ? supertest.agent(toolApp) : agent;
  const posted = opts.replay
    ? { action: launchTarget(sim, spec), idToken: opts.replay.idToken, state: opts.replay.state }
    : await authorize(sim, spec, loginAgent);
  const state = opts.overrideState ?? posted.state;

  const launcher = opts.cookies === false ? noJar : agent;
  const launched = await launcher.post(pathOf(posted.action)).type('form').send({ id_token: posted.idToken, state });
  const location = launched.status === 302 ? launched.headers.location : undefined;
  const target = location ? new URL(location, posted.action) : undefined;
  const ltik = target?.searchParams.get('ltik') ?? undefined;
  if (!target || !ltik) {
    return { status: launched.status, location, text: launched.text, agent, idToken: posted.idToken, state };
  }
  const landed = await agent.get(target.pathname + target.search);
  return { status: landed.status, location, ltik, text: landed.text, agent, idToken: posted.idToken, state };
}

export type Requester = Pick<supertest.Agent, 'get' | 'post'>;

/** The tool's login: the initiation, then its cookie check, which redirects to the platform when the cookie came back. */
export async function loginAtTool(sim: PlatformSimulator, spec: LaunchSpec, agent: Requester): Promise<supertest.Response> {
  const initiation = sim.loginInitiationForm(spec);
  const login = await agent.post(pathOf(initiation.action)).type('form').send(initiation.fields);
  const next: string | undefined = login.headers.location;
  return login.status === 302 && next?.startsWith('/login/continue') ? agent.get(next) : login;
}

export async function authorize(
  sim: PlatformSimulator,
  spec: LaunchSpec,
  agent: Requester,
): Promise<{ action: string; idToken: string; state: string }> {
  const login = await loginAtTool(sim, spec, agent);
  const authUrl: string | undefined = login.headers.location;
  if (login.status !== 302 || !authUrl?.startsWith(sim.authUrl)) {
    throw new LaunchFlowError('login', login.status, authUrl ? `redirected to ${authUrl}` : login.text);
  }
  const auth = await fetch(authUrl, { redirect: 'manual' });
  const page = await auth.text();
  if (auth.status !== 200) throw new LaunchFlowError('auth', auth.status, page);
  return parseLaunchForm(page);
}

/** Reads the simulator's own auto-submit form markup (see src/demo/platform/oidc.ts). */
export function parseLaunchForm(html: string): { action: string; idToken: string; state: string } {
  const action = /<form id="lti-launch" method="post" action="([^"]*)">/.exec(html)?.[1];
  const field = (name: string): string | undefined =>
    new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1];
  const idToken = field('id_token');
  const state = field('state');
  if (action === undefined || idToken === undefined || state === undefined) {
    throw new Error(`no launch form in platform page: ${html.slice(0, 300)}`);
  }
  return { action: unescapeHtml(action), idToken: unescapeHtml(idToken), state: unescapeHtml(state) };
}

/** Where a platform would post the id_token for this spec (used for replays). */
function launchTarget(sim: PlatformSimulator, spec: LaunchSpec): string {
  if (spec.targetLinkUri) return spec.targetLinkUri.split('?')[0] ?? spec.targetLinkUri;
  if (spec.messageType === 'LtiDeepLinkingRequest') return sim.tool.deepLinkUrl ?? sim.tool.launchUrl;
  return sim.tool.launchUrl;
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
