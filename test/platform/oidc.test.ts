import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { Claim, Role, type Flavor } from '../../src/demo/platform';
import { launch, LaunchFlowError, parseLaunchForm } from '../support/launchClient';
import { fetchJwks, startHarness, type Harness } from './fakeTool';

const claim = (payload: JWTPayload, name: string): Record<string, unknown> => payload[name] as Record<string, unknown>;

describe.each<Flavor>(['canvas', 'moodle'])('%s-like OIDC launch', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  const teacher = (): string => h.roster.users.teacher!.sub;
  const course = (): string => h.roster.course.id;

  it('runs the full login → auth → launch flow and lands on the tool with an ltik', async () => {
    const result = await launch(h.tool.app, h.sim, { user: teacher(), course: course() });
    expect(result.status).toBe(200);
    expect(result.ltik).toMatch(/^[0-9a-f]{16}$/);
    expect(result.text).toContain('Welcome');
    expect(h.tool.launches.at(-1)?.sub).toBe(teacher());
  });

  it('signs an id_token that verifies against the platform JWKS and carries every required claim', async () => {
    const { idToken } = await launch(h.tool.app, h.sim, { user: teacher(), course: course() });
    const { payload, protectedHeader } = await jwtVerify(idToken, createLocalJWKSet(await fetchJwks(h.sim.jwksUrl)), {
      issuer: h.sim.issuer,
      audience: h.sim.clientId,
    });
    const user = h.roster.users.teacher!;
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: h.sim.currentKid });
    expect(payload).toMatchObject({
      sub: user.sub,
      aud: h.sim.clientId,
      name: user.name,
      given_name: user.givenName,
      family_name: user.familyName,
      email: user.email,
      [Claim.messageType]: 'LtiResourceLinkRequest',
      [Claim.version]: '1.3.0',
      [Claim.deploymentId]: h.sim.deploymentId,
      [Claim.targetLinkUri]: h.tool.endpoints.launchUrl,
      [Claim.resourceLink]: { id: expect.any(String), title: 'PD Pathways' },
      [Claim.launchPresentation]: { document_target: 'iframe', return_url: expect.any(String), locale: 'en' },
      [Claim.lis]: { person_sourcedid: user.sourcedId },
      [Claim.toolPlatform]: {
        guid: expect.any(String),
        name: expect.any(String),
        product_family_code: flavor,
        version: expect.any(String),
      },
    });
    expect(typeof payload.nonce).toBe('string');
    expect(payload[Claim.roles]).toEqual(expect.arrayContaining([Role.learner, Role.institutionInstructor]));
    expect(claim(payload, Claim.context)).toMatchObject({ label: 'PD-101', title: h.roster.course.title });
    const ags = claim(payload, Claim.agsEndpoint);
    expect(ags.scope).toEqual([
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
    ]);
    expect(ags.lineitems).toEqual(expect.stringContaining(h.sim.baseUrl));
    expect(claim(payload, Claim.nrps)).toMatchObject({
      context_memberships_url: expect.stringContaining(h.sim.baseUrl),
      service_versions: expect.arrayContaining(['2.0']),
    });
  });

  it('follows the flavor in lifetime, azp, context type and custom claims', async () => {
    const { idToken } = await launch(h.tool.app, h.sim, { user: teacher(), course: course(), custom: { pathway: 'p1' } });
    const payload = decodeJwt(idToken);
    const context = claim(payload, Claim.context);
    const custom = claim(payload, Claim.custom);
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    if (flavor === 'canvas') {
      expect(lifetime).toBe(3600);
      expect(payload.azp).toBe(h.sim.clientId);
      expect(context.id).toBe(h.roster.course.contextId);
      expect(context.type).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering']);
      expect(custom).toEqual({ canvas_user_id: '101', canvas_course_id: course(), pathway: 'p1' });
    } else {
      expect(lifetime).toBe(60);
      expect(payload).not.toHaveProperty('azp');
      expect(payload.sub).toBe('101');
      expect(context.id).toBe(course());
      expect(context.type).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection']);
      expect(custom).toEqual({ context_memberships_url: claim(payload, Claim.nrps).context_memberships_url, pathway: 'p1' });
    }
  });

  it('launches without a context: no context, AGS or NRPS claims, institution roles only', async () => {
    const pdLead = h.roster.users.pdlead!;
    const { idToken, status } = await launch(h.tool.app, h.sim, { user: pdLead.sub });
    expect(status).toBe(200);
    const payload = decodeJwt(idToken);
    expect(payload).not.toHaveProperty([Claim.context]);
    expect(payload).not.toHaveProperty([Claim.agsEndpoint]);
    expect(payload).not.toHaveProperty([Claim.nrps]);
    expect(payload[Claim.roles]).toContain(Role.institutionAdministrator);
    expect(payload[Claim.roles]).not.toContain(Role.instructor);
  });

  it('sends role_scope_mentor for a Mentor with mentees, and honours a roles override', async () => {
    const coach = decodeJwt((await launch(h.tool.app, h.sim, { user: h.roster.users.coach!.sub, course: course() })).idToken);
    expect(coach[Claim.roleScopeMentor]).toEqual([h.roster.users.teacher!.sub, h.roster.users.teacher2!.sub]);
    const asInstructor = await launch(h.tool.app, h.sim, { user: teacher(), course: course(), roles: [Role.instructor] });
    const overridden = decodeJwt(asInstructor.idToken);
    expect(overridden[Claim.roles]).toEqual([Role.instructor]);
  });

  it('builds deep-linking requests with the settings claim and no resource link', async () => {
    const { idToken, status } = await launch(h.tool.app, h.sim, {
      user: h.roster.users.pdlead!.sub,
      course: course(),
      messageType: 'LtiDeepLinkingRequest',
    });
    expect(status).toBe(200);
    const payload = decodeJwt(idToken);
    expect(payload[Claim.messageType]).toBe('LtiDeepLinkingRequest');
    expect(payload[Claim.targetLinkUri]).toBe(h.tool.endpoints.deepLinkUrl);
    expect(payload).not.toHaveProperty([Claim.resourceLink]);
    const settings = claim(payload, Claim.deepLinkingSettings);
    expect(settings).toMatchObject({
      deep_link_return_url: expect.stringContaining(h.sim.baseUrl),
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: expect.arrayContaining(['iframe', 'window']),
      accept_multiple: true,
      auto_create: true,
    });
    if (flavor === 'canvas') expect(typeof settings.data).toBe('string');
    else expect(settings).not.toHaveProperty('data');
  });

  it('offers the login initiation as a GET URL with every parameter', () => {
    const url = new URL(h.sim.loginInitiationUrl({ user: teacher(), course: course() }));
    expect(url.origin + url.pathname).toBe(h.tool.endpoints.loginUrl);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      iss: h.sim.issuer,
      login_hint: teacher(),
      target_link_uri: h.tool.endpoints.launchUrl,
      lti_message_hint: expect.any(String),
      client_id: h.sim.clientId,
      lti_deployment_id: h.sim.deploymentId,
    });
  });

  it('serves the auto-submit script the launch page references', async () => {
    const res = await fetch(`${h.sim.baseUrl}/lti/autosubmit.js`);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toContain("getElementById('lti-launch').submit()");
  });

  it('refuses a launch whose state does not match the browser (cookies blocked)', async () => {
    const result = await launch(h.tool.app, h.sim, { user: teacher(), course: course() }, { cookies: false });
    expect(result.status).toBe(401);
    expect(result.ltik).toBeUndefined();
  });

  it('lets a replayed id_token reach the tool (which must refuse it)', async () => {
    const first = await launch(h.tool.app, h.sim, { user: teacher(), course: course() });
    const again = await launch(h.tool.app, h.sim, { user: teacher(), course: course() }, {
      agent: first.agent,
      replay: { idToken: first.idToken, state: first.state },
    });
    expect(again.status).toBe(401);
  });
});

describe.each<Flavor>(['canvas', 'moodle'])('%s-like auth endpoint refusals', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  /** A valid auth request for a fresh launch, as the fake tool would send it. */
  function authParams(): Record<string, string> {
    const { fields } = h.sim.loginInitiationForm({ user: h.roster.users.teacher!.sub, course: h.roster.course.id });
    return {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: h.sim.clientId,
      redirect_uri: h.tool.endpoints.launchUrl,
      login_hint: fields.login_hint!,
      lti_message_hint: fields.lti_message_hint!,
      state: 's-1',
      nonce: 'n-1',
    };
  }

  const authorize = (params: Record<string, string>): Promise<Response> =>
    fetch(`${h.sim.authUrl}?${new URLSearchParams(params)}`);

  it('answers a valid request with the auto-submitting form, over GET and POST', async () => {
    const get = await authorize(authParams());
    expect(get.status).toBe(200);
    const html = await get.text();
    expect(html).toContain(`<script src="${h.sim.baseUrl}/lti/autosubmit.js"></script>`);
    expect(html).not.toMatch(/<script>[^<]/);
    expect(html).toContain('<button type="submit">Continue</button>');
    expect(parseLaunchForm(html)).toMatchObject({ action: h.tool.endpoints.launchUrl, state: 's-1' });

    const post = await fetch(h.sim.authUrl, { method: 'POST', body: new URLSearchParams(authParams()) });
    expect(post.status).toBe(200);
    expect(decodeJwt(parseLaunchForm(await post.text()).idToken).nonce).toBe('n-1');
  });

  it.each([
    ['scope', { scope: 'profile' }, 'scope'],
    ['response_type', { response_type: 'code' }, 'response_type'],
    ['response_mode', { response_mode: 'query' }, 'response_mode'],
    ['prompt', { prompt: 'login' }, 'prompt'],
    ['client_id', { client_id: 'someone-else' }, 'client_id'],
    ['redirect_uri', { redirect_uri: 'https://evil.example/launch' }, 'redirect_uri'],
    ['nonce', { nonce: '' }, 'nonce'],
    ['state', { state: '' }, 'state'],
    ['login_hint', { login_hint: 'another-user' }, 'login_hint'],
    ['lti_message_hint', { lti_message_hint: 'forged' }, 'lti_message_hint'],
  ])('refuses a bad %s with a 400 error page', async (_name, change, mentioned) => {
    const res = await authorize({ ...authParams(), ...change });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('LTI launch error');
    expect(html).toContain(mentioned);
  });

  it(flavor === 'moodle' ? 'accepts a message hint only once' : 'accepts a message hint more than once', async () => {
    const params = authParams();
    expect((await authorize(params)).status).toBe(200);
    const second = await authorize({ ...params, state: 's-2', nonce: 'n-2' });
    expect(second.status).toBe(flavor === 'moodle' ? 400 : 200);
  });

  it('reports a refused step of the flow with LaunchFlowError', async () => {
    const unregistered = { user: h.roster.users.teacher!.sub, targetLinkUri: `${h.tool.url}/elsewhere` };
    await expect(launch(h.tool.app, h.sim, unregistered)).rejects.toMatchObject({ step: 'auth', status: 400 });
    await expect(launch(h.tool.app, h.sim, unregistered)).rejects.toBeInstanceOf(LaunchFlowError);
  });
});

describe('id_token tampering and keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('canvas');
  });
  afterAll(() => h.close());

  const spec = (): { user: string; course: string } => ({ user: h.roster.users.teacher!.sub, course: h.roster.course.id });
  const verify = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, createLocalJWKSet(await fetchJwks(h.sim.jwksUrl)))).payload;

  it('applies claim overrides, removals and time shifts', async () => {
    const token = await h.sim.signIdToken(
      {
        ...spec(),
        tamper: {
          claims: { aud: ['x', 'y'], [Claim.version]: '1.1' },
          removeClaims: ['sub'],
          iatOffsetSeconds: -600,
          expiresInSeconds: 60,
        },
      },
      'nonce-1',
    );
    const payload = decodeJwt(token);
    expect(payload.aud).toEqual(['x', 'y']);
    expect(payload[Claim.version]).toBe('1.1');
    expect(payload).not.toHaveProperty('sub');
    expect(payload.exp).toBe((payload.iat ?? 0) + 60);
    expect(payload.exp! * 1000).toBeLessThan(Date.now());
  });

  it('signs with a foreign key (same kid) or with alg none, which fail verification', async () => {
    const foreign = await h.sim.signIdToken({ ...spec(), tamper: { signWith: 'foreign-key' } }, 'n');
    expect(decodeProtectedHeader(foreign).kid).toBe(h.sim.currentKid);
    await expect(verify(foreign)).rejects.toThrow(/signature/);
    const unsigned = await h.sim.signIdToken({ ...spec(), tamper: { signWith: 'none' } }, 'n');
    expect(decodeProtectedHeader(unsigned).alg).toBe('none');
    await expect(verify(unsigned)).rejects.toThrow();
    const unknownKid = await h.sim.signIdToken({ ...spec(), tamper: { kid: 'nope' } }, 'n');
    await expect(verify(unknownKid)).rejects.toThrow(/no applicable key/);
  });

  it('makes the tool refuse a tampered launch through the real flow', async () => {
    const result = await launch(h.tool.app, h.sim, { ...spec(), tamper: { signWith: 'foreign-key' } });
    expect(result.status).toBe(401);
    expect(result.text).toContain('signature');
  });

  it('rotates keys: the new key signs, the old one stays published', async () => {
    const oldKid = h.sim.currentKid;
    const newKid = await h.sim.rotateKey();
    expect(newKid).not.toBe(oldKid);
    const kids = (await fetchJwks(h.sim.jwksUrl)).keys.map((k) => k.kid);
    expect(kids).toEqual([oldKid, newKid]);
    const token = await h.sim.signIdToken(spec(), 'n');
    expect(decodeProtectedHeader(token).kid).toBe(newKid);
    await expect(verify(token)).resolves.toMatchObject({ sub: spec().user });
  });
});
