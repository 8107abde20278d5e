import supertest from 'supertest';
import { overrideConfig } from '../../src/config';
import { PlatformAlreadyRegistered, registerPlatform } from '../../src/lti/registration/platforms';
import { pageText } from '../support/forms';
import { Harness, startHarness } from '../support/harness';
import { confirmationForm, hostilePlatform, HostilePlatform, opened, registerThrough, registrationLink, registrationState } from '../support/registration';

let h: Harness;
const hostile: HostilePlatform[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await Promise.all(hostile.map((p) => p.close()));
  await h.close();
});

async function attacker(opts: Parameters<typeof hostilePlatform>[0]): Promise<HostilePlatform> {
  const p = await hostilePlatform(opts);
  hostile.push(p);
  return p;
}

function startUrl(linkUrl: string, configurationUrl: string, token = 'attacker-token'): string {
  const url = new URL(linkUrl);
  url.searchParams.set('openid_configuration', configurationUrl);
  url.searchParams.set('registration_token', token);
  return url.toString();
}

describe('taking over an existing district through registration', () => {
  test('a configuration naming an existing issuer and client id is refused; the platform record is unchanged', async () => {
    // Same host as the real Moodle (so the §3.5.1 host rule passes), its issuer, its client id, the attacker's endpoints.
    const evil = await attacker({ issuer: h.moodle.sim.issuer, clientId: h.moodle.sim.clientId });
    const link = await registrationLink();
    const before = await registrationState(h.db());

    const res = await registerThrough(h.app, startUrl(link.url, evil.configurationUrl));
    expect(res.status).toBe(409);
    expect(evil.hits).toEqual(['GET /openid-configuration', 'GET /openid-configuration', 'POST /register']);
    expect(pageText(res.text)).toContain('already registered with PD Pathways; a registration never changes an existing one');
    expect(await registrationState(h.db())).toEqual(before);

    // The real users still launch against the real platform.
    const launched = await h.rawLaunch(h.moodle, { user: h.moodle.users.pdlead.sub, course: h.moodle.course.id, resourceLink: { id: 'after-takeover-attempt' } });
    expect(launched.ltik).toBeDefined();
  });

  test('an issuer on another host than its configuration is refused before anything is registered', async () => {
    // The configuration is served from "localhost" but claims the 127.0.0.1 Moodle's issuer.
    const evil = await attacker({ host: 'localhost', issuer: h.moodle.sim.issuer, clientId: 'fresh-client' });
    const link = await registrationLink();
    const before = await registrationState(h.db());

    const page = await supertest(h.app).get(opened(startUrl(link.url, evil.configurationUrl)));
    expect(page.status).toBe(502);
    expect(pageText(page.text)).toContain(`The issuer ${h.moodle.sim.issuer} is not on the host of its configuration (localhost)`);
    expect(evil.hits).toEqual(['GET /openid-configuration']);
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('the same refusal holds for a forged POST that skips the confirmation page', async () => {
    const legit = await registrationLink();
    const page = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(legit.url)));
    const form = confirmationForm(page.text);
    const evil = await attacker({ host: 'localhost', issuer: h.moodle.sim.issuer, clientId: 'fresh-client' });
    const before = await registrationState(h.db());
    const res = await supertest(h.app).post(form.action).type('form').send({ ...form.fields, openid_configuration: evil.configurationUrl });
    expect(res.status).toBe(403);
    expect(evil.hits).toEqual([]);
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('no code path overwrites a platform by accident; the tool admin’s replacement is audited', async () => {
    const reg = {
      issuer: h.canvas.sim.issuer,
      clientId: h.canvas.sim.clientId,
      name: 'Test Canvas',
      family: 'canvas' as const,
      authUrl: h.canvas.sim.authUrl,
      tokenUrl: h.canvas.sim.tokenUrl,
      jwksUrl: 'https://attacker.example/jwks',
      deploymentIds: [],
      source: 'cli' as const,
    };
    const before = await registrationState(h.db());
    await expect(registerPlatform(reg)).rejects.toThrow(PlatformAlreadyRegistered);
    await expect(registerPlatform(reg)).rejects.toThrow('with a different keyset URL');
    expect(await registrationState(h.db())).toEqual(before);

    // Repeating a registration with the same endpoints only adds a deployment.
    await registerPlatform({ ...reg, jwksUrl: h.canvas.sim.jwksUrl, deploymentIds: ['second'] });
    const platform = await h.db().collection('platforms').findOne({ platformUrl: reg.issuer, clientId: reg.clientId });
    expect(platform).toEqual((before.platforms as typeof platform[]).find((p) => p!.clientId === reg.clientId));

    await registerPlatform({ ...reg, jwksUrl: `${h.canvas.sim.jwksUrl}?moved=1` }, { whenChanged: 'replace', by: 'tool admin (test)' });
    const replaced = await h.db().collection('platforms').findOne({ platformUrl: reg.issuer, clientId: reg.clientId });
    expect(replaced?.authConfig.key).toBe(`${h.canvas.sim.jwksUrl}?moved=1`);
    const entry = await h.db().collection('auditLog').findOne({ tenantId: h.canvas.tenantId, action: 'platform.endpoints-replaced' });
    expect(entry).toEqual(
      expect.objectContaining({
        actorName: 'tool admin (test)',
        before: expect.objectContaining({ 'keyset URL': h.canvas.sim.jwksUrl }),
        after: expect.objectContaining({ 'keyset URL': `${h.canvas.sim.jwksUrl}?moved=1` }),
      }),
    );
    await registerPlatform({ ...reg, jwksUrl: h.canvas.sim.jwksUrl }, { whenChanged: 'replace', by: 'tool admin (test)' });
  });
});

describe('remote answers are never shown', () => {
  test('a platform’s error body stays in the log, and the link can be used again', async () => {
    const refusing = await attacker({ registration: { status: 422, body: '<script>alert("SECRET-REMOTE-BODY")</script>' } });
    const link = await registrationLink();
    const before = await registrationState(h.db());
    const res = await registerThrough(h.app, startUrl(link.url, refusing.configurationUrl));
    expect(res.status).toBe(502);
    expect(pageText(res.text)).toContain('The platform refused the registration (HTTP 422)');
    expect(res.text).not.toContain('SECRET-REMOTE-BODY');
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('an unreadable configuration is reported by status only', async () => {
    const evil = await attacker({ configuration: { status: 500, body: 'SECRET-REMOTE-BODY stack trace' } });
    const link = await registrationLink();
    const res = await supertest(h.app).get(opened(startUrl(link.url, evil.configurationUrl)));
    expect(res.status).toBe(502);
    expect(pageText(res.text)).toContain('could not be read (HTTP 500)');
    expect(res.text).not.toContain('SECRET-REMOTE-BODY');
  });

  test('a redirect is not followed', async () => {
    const target = await attacker({});
    const evil = await attacker({ configuration: { status: 302, body: '', location: target.configurationUrl } });
    const link = await registrationLink();
    const res = await supertest(h.app).get(opened(startUrl(link.url, evil.configurationUrl)));
    expect(res.status).toBe(502);
    expect(target.hits).toEqual([]);
  });
});

describe('server-side request forgery in production', () => {
  beforeAll(() => overrideConfig({ env: 'production' }));
  afterAll(() => overrideConfig({ env: 'test' }));

  test.each([
    ['loopback', (port: string) => `https://127.0.0.1:${port}/openid-configuration`],
    ['a private network', () => 'https://10.0.0.7/openid-configuration'],
    ['the cloud metadata service', () => 'https://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', (port: string) => `https://[::1]:${port}/openid-configuration`],
    ['a host name resolving to loopback', (port: string) => `https://localhost:${port}/openid-configuration`],
    ['plain http', (port: string) => `http://127.0.0.1:${port}/openid-configuration`],
  ])('a configuration URL on %s is not fetched', async (_what, target) => {
    const evil = await attacker({});
    const link = await registrationLink();
    const before = await registrationState(h.db());
    const res = await supertest(h.app).get(opened(startUrl(link.url, target(new URL(evil.url).port))));
    expect(res.status).toBe(502);
    expect(pageText(res.text)).toContain('PD Pathways does not send requests to that address');
    expect(evil.hits).toEqual([]);
    expect(await registrationState(h.db())).toEqual(before);
  });

  test('a listed host is reachable, but only over https', async () => {
    overrideConfig({ outbound: { allowedHosts: ['127.0.0.1'] } });
    try {
      const evil = await attacker({});
      const link = await registrationLink();
      const res = await supertest(h.app).get(opened(startUrl(link.url, evil.configurationUrl)));
      expect(pageText(res.text)).toContain('http: URLs are not allowed (https: only)');
      expect(evil.hits).toEqual([]);
    } finally {
      overrideConfig({ outbound: { allowedHosts: [] } });
    }
  });
});
