import supertest from 'supertest';
import { Claim } from '../../src/demo/platform';
import type { LaunchSpec, Tamper } from '../../src/demo/platform';
import { Harness, startHarness } from '../support/harness';
import { launch } from '../support/launchClient';
import { launchWrites } from '../support/launchWrites';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const counts = () => launchWrites(h.db());

function spec(tamper?: Tamper, user = h.canvas.users.teacher3.sub): LaunchSpec {
  return { user, course: h.canvas.course.id, resourceLink: { id: 'rl-neg' }, tamper };
}

/** Every refusal: an error page, no ltik, and no user, course or session data written. */
async function expectRefused(run: () => Promise<{ status: number; ltik?: string; text: string }>, status: number, text: RegExp) {
  const before = await counts();
  const result = await run();
  expect(result.status).toBe(status);
  expect(result.ltik).toBeUndefined();
  expect(result.text).toMatch(text);
  expect(await counts()).toEqual(before);
}

describe('launches that must be refused', () => {
  test('bad signature (signed with a key the platform never published)', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ signWith: 'foreign-key' })), 401, /could not be verified/);
  });

  test('expired id_token', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ iatOffsetSeconds: -7200, expiresInSeconds: -3600 })), 401, /could not be verified|took too long/);
  });

  test('wrong audience', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ claims: { aud: 'someone-else' } })), 401, /meant for another tool registration/);
  });

  test('unknown issuer at login', async () => {
    await expectRefused(async () => {
      const form = h.canvas.sim.loginInitiationForm(spec());
      const res = await supertest(h.app).post('/login').type('form').send({ ...form.fields, iss: 'https://unknown-lms.example' });
      return { status: res.status, text: res.text };
    }, 400, /This LMS is not registered/);
  });

  test('unknown deployment', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ claims: { [Claim.deploymentId]: 'not-ours' } })), 403, /deployment is not registered[\s\S]*--deployment not-ours/);
  });

  test('nonce replay: the same id_token posted twice', async () => {
    const first = await h.rawLaunch(h.canvas, spec(undefined, h.canvas.users.teacher2.sub));
    expect(first.ltik).toBeDefined();
    await expectRefused(
      () => launch(h.app, h.canvas.sim, spec(), { replay: { idToken: first.idToken, state: first.state }, agent: first.agent }),
      401,
      /already used/,
    );
  });

  test('state mismatch', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec(), { overrideState: 'forged-state' }), 401, /does not belong to this browser session/);
  });

  test('alg none', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ signWith: 'none' })), 401, /could not be verified/);
  });

  test('missing message_type', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ removeClaims: [Claim.messageType] })), 401, /message type PD Pathways does not handle/);
  });

  test('wrong LTI version', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ claims: { [Claim.version]: '1.1.0' } })), 401, /LTI version/);
  });

  test('anonymous launch (no sub)', async () => {
    await expectRefused(() => h.rawLaunch(h.canvas, spec({ removeClaims: ['sub'] })), 403, /Anonymous launches are not supported/);
  });

  test('a page without a launch asks to open the tool from the LMS', async () => {
    const res = await supertest(h.app).get('/dashboard');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Please open PD Pathways from your LMS');
  });

  test('a tampered ltik is refused', async () => {
    const res = await supertest(h.app).get('/dashboard?ltik=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoieCJ9.c2lnbmF0dXJl');
    expect(res.status).toBe(401);
  });
});
