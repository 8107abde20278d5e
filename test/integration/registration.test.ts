import supertest from 'supertest';
import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

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
        custom_fields: { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id' },
      }),
    );
    expect(res.body.scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
    const placements = res.body.extensions[0].settings.placements.map((p: { placement: string }) => p.placement);
    expect(placements).toEqual(expect.arrayContaining(['course_navigation', 'link_selection']));
  });
});

describe('LTI Dynamic Registration', () => {
  test('a Moodle-like platform registers the tool, and its first launch works', async () => {
    const start = h.moodle.sim.startRegistrationUrl(`${h.toolUrl}/register`);
    const page = await supertest(h.app).get(new URL(start).pathname + new URL(start).search);
    expect(page.status).toBe(200);
    expect(page.text).toContain('PD Pathways is registered');
    expect(page.text).toContain('/public/js/registration-close.js');

    const [registered] = h.moodle.sim.registeredTools().slice(-1);
    expect(registered.request).toEqual(
      expect.objectContaining({
        initiate_login_uri: `${h.toolUrl}/login`,
        redirect_uris: [`${h.toolUrl}/`],
        jwks_uri: `${h.toolUrl}/keys`,
        token_endpoint_auth_method: 'private_key_jwt',
      }),
    );
    const tenant = await h.db().collection('tenants').findOne({ issuer: h.moodle.sim.issuer, clientId: registered.clientId });
    expect(tenant?.deployments.map((d: { deploymentId: string }) => d.deploymentId)).toEqual([registered.deploymentId]);

    // The platform now launches with the client id and deployment it just issued.
    expect(h.moodle.sim.clientId).toBe(registered.clientId);
    const launched = await h.rawLaunch(h.moodle, { user: h.moodle.users.teacher.sub, course: h.moodle.course.id, resourceLink: { id: 'after-dynreg' } });
    expect(launched.ltik).toBeDefined();
    expect(await h.db().collection('users').countDocuments({ tenantId: tenant!._id, sub: h.moodle.users.teacher.sub })).toBe(1);
  });

  test('registration without the platform’s parameters explains how to start it', async () => {
    const res = await supertest(h.app).get('/register');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Dynamic registration must be started from your LMS');
  });

  test('a platform that refuses the registration is reported, nothing registered', async () => {
    const before = await h.db().collection('tenants').countDocuments();
    const start = new URL(h.moodle.sim.startRegistrationUrl(`${h.toolUrl}/register`));
    start.searchParams.set('registration_token', 'wrong-token');
    const res = await supertest(h.app).get(start.pathname + start.search);
    expect(res.status).toBe(502);
    expect(res.text).toContain('The platform refused the registration');
    expect(await h.db().collection('tenants').countDocuments()).toBe(before);
  });
});
