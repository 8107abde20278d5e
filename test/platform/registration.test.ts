import { decodeJwt } from 'jose';
import { Claim, Scope, type Flavor } from '../../src/demo/platform';
import { launch } from '../support/launchClient';
import { startHarness, type Harness } from './fakeTool';

describe.each<Flavor>(['canvas', 'moodle'])('%s-like dynamic registration', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  /** What the tool reads from the URL the platform opens. */
  function start(): { configUrl: string; token: string } {
    const opened = new URL(h.sim.startRegistrationUrl(`${h.tool.url}/register?lang=en`));
    expect(opened.origin + opened.pathname).toBe(`${h.tool.url}/register`);
    expect(opened.searchParams.get('lang')).toBe('en');
    return { configUrl: opened.searchParams.get('openid_configuration')!, token: opened.searchParams.get('registration_token')! };
  }

  function registration(): Record<string, unknown> {
    const endpoints = h.tool.endpoints;
    return {
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: endpoints.loginUrl,
      redirect_uris: [endpoints.launchUrl, endpoints.deepLinkUrl],
      client_name: 'PD Pathways',
      jwks_uri: endpoints.jwksUrl,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: `${Scope.lineItem} ${Scope.score} ${Scope.nrps}`,
      [Claim.toolConfiguration]: {
        domain: new URL(h.tool.url).host,
        target_link_uri: endpoints.launchUrl,
        messages: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
      },
    };
  }

  const register = (url: string, body: unknown, token?: string): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });

  it('publishes an OpenID configuration with the platform claim', async () => {
    const config = (await (await fetch(start().configUrl)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      issuer: h.sim.issuer,
      authorization_endpoint: h.sim.authUrl,
      token_endpoint: h.sim.tokenUrl,
      jwks_uri: h.sim.jwksUrl,
      registration_endpoint: expect.any(String),
      scopes_supported: expect.arrayContaining(['openid', Scope.score, Scope.nrps]),
      [Claim.platformConfiguration]: { product_family_code: flavor, messages_supported: expect.any(Array) },
    });
  });

  it('registers the tool with a one-time token and launches it under the new client id', async () => {
    const { configUrl, token } = start();
    const { registration_endpoint: endpoint } = (await (await fetch(configUrl)).json()) as { registration_endpoint: string };
    const res = await register(endpoint, registration(), token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const deploymentId = (body[Claim.toolConfiguration] as { deployment_id: string }).deployment_id;
    expect(body).toMatchObject({ client_id: expect.any(String), client_name: 'PD Pathways' });
    expect(h.sim.clientId).toBe(body.client_id);
    expect(h.sim.deploymentId).toBe(deploymentId);
    expect(h.sim.registeredTools()).toEqual([{ clientId: body.client_id, deploymentId, request: registration() }]);

    expect((await register(endpoint, registration(), token)).status).toBe(401);

    const launched = await launch(h.tool.app, h.sim, { user: h.roster.users.teacher!.sub, course: h.roster.course.id });
    expect(launched.status).toBe(200);
    const payload = decodeJwt(launched.idToken);
    expect(payload.aud).toBe(body.client_id);
    expect(payload[Claim.deploymentId]).toBe(deploymentId);
    await expect(h.tool.accessToken([Scope.score])).resolves.toEqual(expect.any(String));
  });

  it('refuses a registration without a valid token', async () => {
    const config = (await (await fetch(h.sim.openidConfigurationUrl)).json()) as { registration_endpoint: string };
    expect((await register(config.registration_endpoint, registration())).status).toBe(401);
    expect((await register(config.registration_endpoint, registration(), 'forged')).status).toBe(401);
  });

  it(`answers ${flavor === 'canvas' ? 422 : 401} to a malformed registration`, async () => {
    const { configUrl, token } = start();
    const { registration_endpoint: endpoint } = (await (await fetch(configUrl)).json()) as { registration_endpoint: string };
    const { jwks_uri: _jwks, ...withoutJwks } = registration();
    const res = await register(endpoint, withoutJwks, token);
    expect(res.status).toBe(flavor === 'canvas' ? 422 : 401);
    expect(JSON.stringify(await res.json())).toContain('jwks_uri');
  });
});
