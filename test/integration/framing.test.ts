import supertest from 'supertest';
import type { Response } from 'supertest';
import { Harness, startHarness } from '../support/harness';
import { opened, registrationLink } from '../support/registration';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const LAUNCH_PRESENTATION = 'https://purl.imsglobal.org/spec/lti/claim/launch_presentation';
const SCHOOL = 'https://district.instructure.com';
const EVIL = 'https://evil.example';

/** The sources of the page's CSP frame-ancestors directive; fails when the header has more or less than one. */
function frameAncestors(res: Response): string[] {
  const csp = String(res.headers['content-security-policy'] ?? '');
  const directives = csp.split(';').map((d) => d.trim()).filter((d) => d.startsWith('frame-ancestors'));
  expect(directives).toHaveLength(1);
  return directives[0].split(/\s+/).slice(1);
}

/** A Canvas launch whose signed launch_presentation says it is framed by this page. */
const framedFrom = (returnUrl: string) => ({
  tamper: { claims: { [LAUNCH_PRESENTATION]: { document_target: 'iframe', return_url: returnUrl, locale: 'en' } } },
});

const storedOrigins = async (tenantId: unknown) => ((await h.db().collection('tenants').findOne({ _id: tenantId as never }))?.framingOrigins ?? []) as string[];

describe('who may frame a launched page', () => {
  test('a Canvas launch from the school’s domain may be framed by that domain, the issuer and the login host — not by any https site', async () => {
    const s = await h.launchAs(h.canvas, 'teacher', framedFrom(`${SCHOOL}/courses/5/external_content/success/external_tool_redirect`));
    const page = await s.get('/dashboard');
    expect(page.status).toBe(200);
    const sources = frameAncestors(page);
    expect(sources).toEqual(expect.arrayContaining(["'self'", SCHOOL, new URL(h.canvas.sim.issuer).origin, new URL(h.canvas.sim.authUrl).origin]));
    expect(sources).not.toContain('https:');
    expect(sources).not.toContain('*');
    expect(await storedOrigins(h.canvas.tenantId)).toContain(SCHOOL);

    // Another district (tenant) does not inherit the school's domain.
    const other = await h.launchAs(h.moodle, 'teacher');
    expect(frameAncestors(await other.get('/dashboard'))).not.toContain(SCHOOL);
  });

  test('an origin in an unsigned parameter, a forged token or the login’s Origin header is never added to the platform', async () => {
    const before = await storedOrigins(h.canvas.tenantId);
    const s = await h.launchAs(h.canvas, 'teacher');
    const withParams = await s.get(`/dashboard?return_url=${encodeURIComponent(EVIL)}&launch_presentation_return_url=${encodeURIComponent(EVIL)}`);
    expect(frameAncestors(withParams)).not.toContain(EVIL);

    const forged = await h.rawLaunch(h.canvas, { user: h.canvas.users.teacher.sub, course: h.canvas.course.id, ...framedFrom(`${EVIL}/x`), tamper: { ...framedFrom(`${EVIL}/x`).tamper, signWith: 'foreign-key' } });
    expect(forged.ltik).toBeUndefined();

    // A browser that says the login came from elsewhere: that login's pages before the launch may show there, its session never.
    const agent = supertest.agent(h.app).set('Origin', EVIL);
    const viaEvil = await h.launchAs(h.canvas, 'teacher', {}, { agent });
    expect(frameAncestors(await viaEvil.get('/dashboard'))).not.toContain(EVIL);
    expect(await storedOrigins(h.canvas.tenantId)).toEqual(before);
  });

  test('a signed URL whose host would break the header is ignored', async () => {
    const before = await storedOrigins(h.canvas.tenantId);
    for (const hostile of [`https://a;script-src https://evil.example`, "https://a'none'.example/x", 'https://a,b.example/x', 'javascript:alert(1)']) {
      const s = await h.launchAs(h.canvas, 'teacher', framedFrom(hostile));
      const page = await s.get('/dashboard');
      expect(page.status).toBe(200);
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self';");
      expect(frameAncestors(page).join(' ')).not.toMatch(/evil|none|a,b|javascript/);
    }
    expect(await storedOrigins(h.canvas.tenantId)).toEqual(before);
  });

  test('a cookie-less Canvas login started on the school’s domain shows its platform-storage page there', async () => {
    const initiation = h.canvas.sim.loginInitiationForm({ user: h.canvas.users.teacher.sub, course: h.canvas.course.id });
    const login = await supertest(h.app).post('/login').set('Origin', 'https://newschool.instructure.com').type('form').send(initiation.fields);
    expect(login.status).toBe(302);
    const page = await supertest(h.app).get(login.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('lti-storage');
    const sources = frameAncestors(page);
    expect(sources).toEqual(expect.arrayContaining(['https://newschool.instructure.com', new URL(h.canvas.sim.issuer).origin]));
    expect(sources).not.toContain('https:');
    // Nothing was recorded for the platform from an unverified request.
    expect(await storedOrigins(h.canvas.tenantId)).not.toContain('https://newschool.instructure.com');
  });
});

describe('pages outside a session', () => {
  test('a session that is no longer valid says so inside the LMS frame', async () => {
    const s = await h.launchAs(h.moodle, 'teacher3');
    await h.db().collection('users').deleteOne({ tenantId: h.moodle.tenantId, sub: h.moodle.users.teacher3.sub });
    const page = await s.get('/dashboard');
    expect(page.status).toBe(401);
    expect(page.text).toContain('Please open PD Pathways again');
    expect(page.text).not.toContain('<form');
    expect(frameAncestors(page)).toContain('https:');
  });

  test('a registration page may be framed by the LMS that opened it, nothing else', async () => {
    const link = await registrationLink({ note: 'Framing check' });
    const page = await supertest(h.app).get(opened(h.moodle.sim.startRegistrationUrl(link.url)));
    expect(page.status).toBe(200);
    const sources = frameAncestors(page);
    expect(sources).toContain(new URL(h.moodle.sim.openidConfigurationUrl).origin);
    expect(sources).not.toContain('https:');
  });

  test('a refusal page, with nothing to click, shows in any LMS; public pages only on PD Pathways itself', async () => {
    const refused = await supertest(h.app).get('/register');
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('<form');
    expect(frameAncestors(refused)).toContain('https:');

    const publicPage = await supertest(h.app).get(`/ob/${String(h.canvas.tenantId)}/credentials/unknown`);
    expect(frameAncestors(publicPage)).not.toContain('https:');
    expect(frameAncestors(publicPage)).toContain("'self'");
  });
});
