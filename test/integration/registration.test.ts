import supertest from 'supertest';
import { pageText } from '../support/forms';
import { Harness, SimulatedPlatform, startHarness } from '../support/harness';
import { confirmationForm, opened, registerThrough, registrationLink, registrationState } from '../support/registration';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const invites = () => h.db().collection('registrationInvites');

describe('tool keyset and Canvas developer-key JSON', () => {
  test('/keys publishes RSA keys with kids', async () => {
    const res = await supertest(h.app).get('/keys');
    expect(res.status).toBe(200);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of res.body.keys) expect(key).toEqual(expect.objectContaining({ kty: 'RSA', kid: expect.any(String), alg: 'RS256', use: 'sig' }));
  });

  test('/lti/canvas.json points Canvas at our login, launch and keyset URLs', async () => {
    const res = await supertest(h.app).get('/lti/canvas.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        oidc_initiation_url: `${h.toolUrl}/login`,
        target_link_uri: `${h.toolUrl}/`,
        public_jwk_url: `${h.toolUrl}/keys`,
        custom_fields: { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id', resource_link_history: '$ResourceLink.id.history', context_history: '$Context.id.history' },
      }),
    );
    expect(res.body.scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
    const placements = res.body.extensions[0].settings.placements.map((p: { placement: string }) => p.placement);
    expect(placements).toEqual(expect.arrayContaining(['course_navigation', 'link_selection']));
  });
});

describe.each<['canvas' | 'moodle', string]>([
  ['moodle', 'Moodle'],
  ['canvas', 'Canvas'],
])('LTI Dynamic Registration from a %s-like platform', (flavor, product) => {
  const platform = (): SimulatedPlatform => h[flavor];

  test('the link shows what will be registered, registers on confirm, and the first launch works', async () => {
    const link = await registrationLink({ note: `District ${product}` });
    expect(link.url).toMatch(new RegExp(`^${h.toolUrl}/register/[A-Za-z0-9_-]{43}$`));
    const before = await registrationState(h.db());
    const toolsBefore = platform().sim.registeredTools().length;

    const page = await supertest(h.app).get(opened(platform().sim.startRegistrationUrl(link.url)));
    expect(page.status).toBe(200);
    const text = pageText(page.text);
    expect(text).toContain(`Register PD Pathways with ${product}?`);
    expect(text).toContain(platform().sim.issuer);
    expect(text).toContain(new URL(platform().sim.issuer).host);
    expect(text).toContain(`District ${product}`);
    expect(text).toContain('Nothing has been registered yet');
    // Showing the page changed nothing, here or on the platform.
    expect(await registrationState(h.db())).toEqual(before);
    expect(platform().sim.registeredTools()).toHaveLength(toolsBefore);

    const form = confirmationForm(page.text);
    const done = await supertest(h.app).post(form.action).type('form').send(form.fields);
    expect(done.status).toBe(200);
    expect(done.text).toContain('PD Pathways is registered');
    expect(done.text).toContain('/public/js/registration-close.js');

    const [registered] = platform().sim.registeredTools().slice(-1);
    expect(registered.request).toEqual(
      expect.objectContaining({ initiate_login_uri: `${h.toolUrl}/login`, redirect_uris: [`${h.toolUrl}/`], jwks_uri: `${h.toolUrl}/keys`, token_endpoint_auth_method: 'private_key_jwt' }),
    );
    // Every launch asks for the course-copy history, so a copied course's links can be recognised.
    const toolConfig = registered.request['https://purl.imsglobal.org/spec/lti-tool-configuration'] as { custom_parameters: Record<string, string> };
    expect(toolConfig.custom_parameters).toMatchObject({ resource_link_history: '$ResourceLink.id.history', context_history: '$Context.id.history' });
    const tenant = await h.db().collection('tenants').findOne({ issuer: platform().sim.issuer, clientId: registered.clientId });
    expect(tenant?.family).toBe(flavor);
    expect(tenant?.deployments.map((d: { deploymentId: string }) => d.deploymentId)).toEqual([registered.deploymentId]);
    const invite = await invites().findOne({ 'registered.tenantId': tenant!._id });
    expect(invite?.usedAt).toBeInstanceOf(Date);

    const launched = await h.rawLaunch(platform(), { user: platform().users.teacher.sub, course: platform().course.id, resourceLink: { id: `after-dynreg-${flavor}` } });
    expect(launched.ltik).toBeDefined();
    expect(await h.db().collection('users').countDocuments({ tenantId: tenant!._id, sub: platform().users.teacher.sub })).toBe(1);

    // The link is spent: opening or posting it again registers nothing.
    const stateAfter = await registrationState(h.db());
    const again = await supertest(h.app).get(opened(platform().sim.startRegistrationUrl(link.url)));
    expect(again.status).toBe(410);
    expect(pageText(again.text)).toContain('This registration link was already used');
    const replayed = await supertest(h.app).post(form.action).type('form').send(form.fields);
    expect(replayed.status).toBe(410);
    expect(await registrationState(h.db())).toEqual(stateAfter);
  });
});

describe('registration links', () => {
  test('links are stored only as a hash', async () => {
    const link = await registrationLink();
    const token = link.path.split('/').pop()!;
    const stored = await invites().find().toArray();
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  test('without a link, /register says how to get one and registers nothing', async () => {
    const before = await registrationState(h.db());
    const start = new URL(h.moodle.sim.startRegistrationUrl(`${h.toolUrl}/register`));
    for (const res of [await supertest(h.app).get('/register'), await supertest(h.app).get(start.pathname + start.search), await supertest(h.app).post('/register').type('form').send({ openid_configuration: h.moodle.sim.openidConfigurationUrl })]) {
      expect(res.status).toBe(403);
      const text = pageText(res.text);
      expect(text).toContain('A registration link is needed');
      expect(text).toContain('npm run platform:link');
      expect(text).toContain(`${h.toolUrl}/register/…`);
    }
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('an unknown or malformed link is refused', async () => {
    const before = await registrationState(h.db());
    const unknown = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(`${h.toolUrl}/register/${'x'.repeat(43)}`)));
    expect(unknown.status).toBe(404);
    expect(pageText(unknown.text)).toContain('This registration link is not valid');
    expect((await supertest(h.app).get('/register/short')).status).toBe(404);
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('an expired link is refused, and the platform is not contacted', async () => {
    const link = await registrationLink();
    const page = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)));
    const form = confirmationForm(page.text);
    await invites().updateOne({ tokenHash: link.tokenHash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await registrationState(h.db());
    const tools = h.moodle.sim.registeredTools().length;
    const res = await supertest(h.app).post(form.action).type('form').send(form.fields);
    expect(res.status).toBe(410);
    expect(pageText(res.text)).toContain('This registration link has expired');
    expect((await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)))).status).toBe(410);
    expect(await registrationState(h.db())).toEqual(before);
    expect(h.moodle.sim.registeredTools()).toHaveLength(tools);
  });

  test('opened directly in a browser, the link explains where to paste it and stays unused', async () => {
    const link = await registrationLink();
    const before = await registrationState(h.db());
    const res = await supertest(h.app).get(link.path);
    expect(res.status).toBe(400);
    expect(pageText(res.text)).toContain('Paste this link into your LMS');
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('a link issued for one LMS cannot register another', async () => {
    const link = await registrationLink({ issuer: 'https://moodle.riverside.example' });
    const before = await registrationState(h.db());
    const res = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)));
    expect(res.status).toBe(403);
    expect(pageText(res.text)).toContain('This registration link is for https://moodle.riverside.example');
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('one link used by two registrations at once registers exactly one platform', async () => {
    const link = await registrationLink();
    const page = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)));
    const form = confirmationForm(page.text);
    const tenantsBefore = await h.db().collection('tenants').countDocuments();
    const results = await Promise.all([0, 1, 2].map(() => supertest(h.app).post(form.action).type('form').send(form.fields)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
    expect(await h.db().collection('tenants').countDocuments()).toBe(tenantsBefore + 1);
  });
});

describe('the confirmation form is protected', () => {
  async function confirmation() {
    const link = await registrationLink();
    const page = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)));
    return { link, form: confirmationForm(page.text) };
  }

  test.each([
    ['without its form token', (f: Record<string, string>) => ({ ...f, form_token: '' })],
    ['with a forged form token', (f: Record<string, string>) => ({ ...f, form_token: 'A'.repeat(43) })],
    ['with another configuration URL than the page showed', (f: Record<string, string>) => ({ ...f, openid_configuration: 'http://127.0.0.1:9/openid-configuration' })],
    ['with another registration token than the page showed', (f: Record<string, string>) => ({ ...f, registration_token: 'other' })],
  ])('a POST %s is refused and changes nothing', async (_what, tamper) => {
    const { link, form } = await confirmation();
    const before = await registrationState(h.db());
    const tools = h.moodle.sim.registeredTools().length;
    const res = await supertest(h.app).post(form.action).type('form').send(tamper(form.fields));
    expect(res.status).toBe(403);
    expect(pageText(res.text)).toContain('This registration form was not sent from PD Pathways');
    expect(await registrationState(h.db())).toEqual(before);
    expect(h.moodle.sim.registeredTools()).toHaveLength(tools);
    // The genuine form still works afterwards: the refused attempt did not spend the link.
    expect((await supertest(h.app).post(new URL(link.url).pathname).type('form').send(form.fields)).status).toBe(200);
  });

  test('a POST from another site (foreign Origin) is refused', async () => {
    const { form } = await confirmation();
    const before = await registrationState(h.db());
    const res = await supertest(h.app).post(form.action).set('Origin', 'https://attacker.example').type('form').send(form.fields);
    expect(res.status).toBe(403);
    expect(await registrationState(h.db())).toEqual(before);
  });
});

describe('a platform that refuses the registration', () => {
  test('is reported without its answer, nothing is registered, and the link can be used again', async () => {
    const link = await registrationLink();
    const start = new URL(h.moodle.sim.startRegistrationUrl(link.url));
    start.searchParams.set('registration_token', 'wrong-token');
    const before = await registrationState(h.db());
    const res = await registerThrough(h.app, start.toString());
    expect(res.status).toBe(502);
    expect(pageText(res.text)).toContain('The platform refused the registration (HTTP 401)');
    expect(res.text).not.toContain('Invalid registration token');
    expect(await registrationState(h.db())).toEqual(before);
    expect((await registerThrough(h.app, h.moodle.sim.startRegistrationUrl(link.url))).status).toBe(200);
  });
});
