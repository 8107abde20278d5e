import { generateKeyPair } from 'jose';
import { Scope, type Flavor } from '../../src/demo/platform';
import { startHarness, type Harness } from './fakeTool';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe.each<Flavor>(['canvas', 'moodle'])('%s-like token endpoint', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  async function request(assertion: string, scope: string = Scope.score, extra: Record<string, string> = {}): Promise<Response> {
    const fields = { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, scope };
    return h.tool.tokenRequest({ ...fields, ...extra });
  }

  it('grants a bearer token for a good assertion and records the request', async () => {
    const before = h.sim.tokenRequests.length;
    const res = await request(await h.tool.clientAssertion(), `${Scope.lineItem} ${Scope.score}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: `${Scope.lineItem} ${Scope.score}`,
    });
    expect(h.sim.tokenRequests.slice(before)).toEqual([{ scope: `${Scope.lineItem} ${Scope.score}`, at: expect.any(Date), status: 200 }]);
  });

  it('accepts the issuer as audience too', async () => {
    expect((await request(await h.tool.clientAssertion({ aud: h.sim.issuer }))).status).toBe(200);
  });

  it('refuses an assertion signed by a key missing from the tool JWKS with 401 invalid_client', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const res = await request(await h.tool.clientAssertion({}, { key: privateKey }));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    expect(h.sim.tokenRequests.at(-1)?.status).toBe(401);
  });

  it('refuses a replayed jti', async () => {
    const assertion = await h.tool.clientAssertion();
    expect((await request(assertion)).status).toBe(200);
    const replay = await request(assertion);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('jti') });
  });

  it('refuses a wrong audience', async () => {
    const res = await request(await h.tool.clientAssertion({ aud: 'https://elsewhere.example/token' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('aud') });
  });

  it('refuses an assertion whose iss/sub is not the client id', async () => {
    const res = await request(await h.tool.clientAssertion({ iss: 'other', sub: 'other' }));
    expect(res.status).toBe(401);
  });

  it('refuses an expired assertion and one without jti', async () => {
    const expired = await h.tool.sign(
      { iss: h.sim.clientId, sub: h.sim.clientId, aud: h.sim.tokenUrl, jti: 'j-expired' },
      { expiresIn: '-1m' },
    );
    expect((await request(expired)).status).toBe(400);
    expect((await request(await h.tool.clientAssertion({ jti: undefined }))).status).toBe(400);
  });

  it('validates grant_type and client_assertion_type', async () => {
    const wrongGrant = await request(await h.tool.clientAssertion(), Scope.score, { grant_type: 'password' });
    expect(wrongGrant.status).toBe(400);
    expect(await wrongGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const wrongType = await request(await h.tool.clientAssertion(), Scope.score, { client_assertion_type: 'basic' });
    expect(await wrongType.json()).toMatchObject({ error: 'invalid_request' });
  });

  it(
    flavor === 'canvas' ? 'refuses a request containing an unknown scope' : 'grants the known subset of requested scopes',
    async () => {
      const res = await request(await h.tool.clientAssertion(), `${Scope.score} https://example.com/scope/admin`);
      if (flavor === 'canvas') {
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'invalid_scope' });
      } else {
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ scope: Scope.score });
      }
    },
  );

  it('refuses a request without any allowed scope', async () => {
    const res = await request(await h.tool.clientAssertion(), '');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('stops accepting access tokens once revoked', async () => {
    const token = await h.tool.accessToken([Scope.lineItemReadonly]);
    const path = flavor === 'canvas' ? '/api/lti/courses/4101/line_items' : '/mod/lti/services.php/2/lineitems';
    const url = `${h.sim.baseUrl}${path}`;
    const get = (): Promise<Response> => fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200);
    h.sim.revokeAccessTokens();
    expect((await get()).status).toBe(401);
  });
});
