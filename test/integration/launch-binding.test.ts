import supertest from 'supertest';
import { Claim } from '../../src/demo/platform';
import type { LaunchSpec, Tamper } from '../../src/demo/platform';
import { Harness, SimulatedPlatform, startHarness } from '../support/harness';
import { authorize, loginAtTool } from '../support/launchClient';
import { launchWrites } from '../support/launchWrites';

/** Every launch is bound to the browser that started its login: state cookie or platform storage, and the nonce. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function expectNothingWritten<T>(run: () => Promise<T>): Promise<T> {
  const before = await launchWrites(h.db());
  const result = await run();
  expect(await launchWrites(h.db())).toEqual(before);
  return result;
}

function spec(p: SimulatedPlatform, tamper?: Tamper, user = p.users.teacher3.sub): LaunchSpec {
  return { user, course: p.course.id, resourceLink: { id: 'rl-binding' }, tamper };
}

/** Posts an id_token and state from `browser` (an agent with or without cookies). */
function post(browser: supertest.Agent | supertest.SuperTest<supertest.Test>, form: Record<string, string>) {
  return browser.post('/').type('form').send(form);
}

const fresh = () => supertest.agent(h.app);
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];

describe('the nonce and iat of a launch', () => {
  test('an id_token without a nonce is refused', async () => {
    const r = await expectNothingWritten(() => h.rawLaunch(h.canvas, spec(h.canvas, { removeClaims: ['nonce'] })));
    expect(r.status).toBe(401);
    expect(r.text).toContain('without the nonce PD Pathways asked for');
  });

  test('an id_token with a nonce other than the one sent for this state is refused', async () => {
    const r = await expectNothingWritten(() => h.rawLaunch(h.moodle, spec(h.moodle, { claims: { nonce: 'a-nonce-never-sent' } })));
    expect(r.status).toBe(401);
    expect(r.text).toContain('issued for another sign-in');
  });

  test('an id_token issued in the future beyond the clock skew is refused', async () => {
    const r = await expectNothingWritten(() => h.rawLaunch(h.canvas, spec(h.canvas, { iatOffsetSeconds: 600 })));
    expect(r.status).toBe(401);
    expect(r.text).toContain('issued in the future');
  });

  test('a small clock difference is accepted', async () => {
    const r = await h.rawLaunch(h.canvas, spec(h.canvas, { iatOffsetSeconds: 20 }));
    expect(r.ltik).toBeDefined();
  });

  test('a token issued to browser X does not work in browser Y’s own login', async () => {
    const x = fresh();
    const y = fresh();
    const xToken = await authorize(h.moodle.sim, spec(h.moodle), x);
    const yToken = await authorize(h.moodle.sim, spec(h.moodle), y);
    // Y's own state cookie, X's token: the nonce was sent for X's login.
    const swapped = await expectNothingWritten(() => post(y, { id_token: xToken.idToken, state: yToken.state }));
    expect(swapped.status).toBe(401);
    expect(swapped.text).toContain('issued for another sign-in');
    // X's token with X's state in Y: Y has no cookie for that state, so Y is offered a fresh login of its own.
    const foreign = await expectNothingWritten(() => post(y, { id_token: xToken.idToken, state: xToken.state }));
    expect(foreign.headers.location ?? '').not.toMatch(/ltik=/);
    expect(foreign.text).toContain('Open PD Pathways in a new window');
    // X itself still launches.
    const own = await post(x, { id_token: xToken.idToken, state: xToken.state });
    expect(own.headers.location).toMatch(/ltik=/);
  });

  test('a target link with a query keeps that query after the launch', async () => {
    const r = await h.rawLaunch(h.canvas, { ...spec(h.canvas), targetLinkUri: `${h.toolUrl}/?from=course-nav` });
    expect(r.ltik).toBeDefined();
    expect(r.location).toContain('from=course-nav');
  });

  test('a state is used once: a second launch on it is refused', async () => {
    const first = await h.rawLaunch(h.canvas, spec(h.canvas));
    expect(first.ltik).toBeDefined();
    const again = await authorize(h.canvas.sim, spec(h.canvas), first.agent);
    const r = await expectNothingWritten(() => post(first.agent, { id_token: again.idToken, state: first.state }));
    expect(r.status).toBe(401);
    expect(r.text).toContain('does not belong to this browser session');
  });
});

describe('parameters that are not single strings', () => {
  const base = () => h.canvas.sim.loginInitiationForm(spec(h.canvas)).fields;

  test.each([
    ['operators in the query', (q: string) => `/login?iss[$ne]=x&client_id[$ne]=x&${q}`, 'iss'],
    ['a repeated issuer', (q: string) => `/login?iss=a&iss=b&${q}`, 'iss'],
    ['an operator login_hint', (q: string) => `/login?${q.replace(/login_hint=[^&]*/, 'login_hint[$gt]=')}`, 'login_hint'],
  ])('/login refuses %s with a 400', async (_name, url, param) => {
    const { iss, client_id, ...rest } = base();
    void iss;
    void client_id;
    const res = await expectNothingWritten(() => supertest(h.app).get(url(new URLSearchParams(rest as Record<string, string>).toString())));
    expect(res.status).toBe(400);
    expect(res.text).toContain(`The parameter &#34;${param}&#34; must be sent once`);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('/login refuses a repeated lti_message_hint in a posted form', async () => {
    const fields = new URLSearchParams(base() as Record<string, string>);
    fields.append('lti_message_hint', 'second');
    const res = await supertest(h.app).post('/login').type('form').send(fields.toString());
    expect(res.status).toBe(400);
    expect(res.text).toContain('lti_message_hint');
  });

  test('the launch refuses an array state, an object id_token and an operator ltik', async () => {
    const token = await authorize(h.canvas.sim, spec(h.canvas), fresh());
    await expectNothingWritten(async () => {
      const arrayState = await supertest(h.app).post('/').type('form').send(`id_token=${token.idToken}&state=${token.state}&state=x`);
      expect(arrayState.status).toBe(400);
      expect(arrayState.text).toContain('&#34;state&#34;');
      const objectToken = await supertest(h.app).post('/').send({ id_token: { $ne: null }, state: token.state });
      expect(objectToken.status).toBe(400);
      const operatorLtik = await supertest(h.app).get('/dashboard?ltik[$ne]=x');
      expect(operatorLtik.status).toBe(400);
      expect(operatorLtik.text).toContain('&#34;ltik&#34;');
    });
  });
});

describe('third-party cookies blocked in the LMS frame', () => {
  test('without platform storage (Moodle) the framed login offers a new window that starts a fresh login', async () => {
    const framed = await loginAtTool(h.moodle.sim, spec(h.moodle), { get: (p) => supertest(h.app).get(p), post: (p) => supertest(h.app).post(p) });
    expect(framed.status).toBe(200);
    expect(framed.text).toContain('Open PD Pathways in a new window');
    expect(framed.text).not.toContain('id_token');
    const link = /href="(\/lti\/new-window\/[^"]+)" target="_blank"/.exec(framed.text)![1];

    const newWindow = fresh();
    const opened = await newWindow.get(link);
    expect(opened.status).toBe(302);
    expect(String(opened.headers['set-cookie'])).toMatch(/state/);
    const cont = await newWindow.get(opened.headers.location);
    expect(cont.status).toBe(302);
    const auth = new URL(cont.headers.location);
    expect(auth.origin + auth.pathname).toBe(h.moodle.sim.authUrl);
    expect(auth.searchParams.get('login_hint')).toBe(h.moodle.users.teacher3.sub);
    const page = await (await fetch(auth, { redirect: 'manual' })).text();
    const launched = await post(newWindow, { id_token: hidden(page, 'id_token')!, state: hidden(page, 'state')! });
    expect(launched.headers.location).toMatch(/ltik=/);

    const again = await supertest(h.app).get(link);
    expect(again.status).toBe(400);
    expect(again.text).toContain('This sign-in has expired');
  });

  test('with platform storage (Canvas) the framed login keeps state and nonce in the platform', async () => {
    const framed = await loginAtTool(h.canvas.sim, spec(h.canvas), { get: (p) => supertest(h.app).get(p), post: (p) => supertest(h.app).post(p) });
    expect(framed.status).toBe(200);
    expect(framed.text).toContain('data-mode="login"');
    expect(framed.text).toContain('data-target="post_message_forwarding"');
    expect(framed.text).toContain(`data-platform-origin="${new URL(h.canvas.sim.authUrl).origin}"`);
    expect(framed.text).toContain('<script src="/public/js/lti-storage.js"></script>');
  });

  test('a launch without the state cookie waits for the platform-storage check, which completes once', async () => {
    const browser = await h.rawLaunch(h.canvas, spec(h.canvas, undefined, h.canvas.users.teacher2.sub), { launchCookies: false });
    expect(browser.ltik).toBeUndefined();
    expect(browser.text).toContain('data-mode="launch"');
    const checkId = hidden(browser.text, 'lti_storage_check')!;
    // A guessed check id finishes nothing.
    const guessed = await expectNothingWritten(() => post(fresh(), { state: browser.state, lti_storage_check: 'guess' }));
    expect(guessed.status).toBe(401);

    const frame = fresh();
    const done = await post(frame, { state: browser.state, lti_storage_check: checkId });
    expect(done.headers.location).toMatch(/ltik=/);
    const ltik = new URL(done.headers.location, h.toolUrl).searchParams.get('ltik')!;
    // The frame sends no cookies: the ltik of this launch works without them.
    const landed = await supertest(h.app).get(done.headers.location);
    expect(landed.status).toBe(200);
    const page = await supertest(h.app).get(`/dashboard?ltik=${encodeURIComponent(ltik)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(h.canvas.users.teacher2.name);

    const replay = await post(fresh(), { state: browser.state, lti_storage_check: checkId });
    expect(replay.status).toBe(401);
  });

  test('an ltik from a cookie launch still needs its cookie', async () => {
    const session = await h.launchAs(h.canvas, 'teacher');
    const res = await supertest(h.app).get(`/dashboard?ltik=${encodeURIComponent(session.ltik)}`);
    expect(res.status).toBe(401);
  });

  test('the old relay attack: an id_token the attacker posts into the victim’s frame does not sign the victim in', async () => {
    for (const p of [h.canvas, h.moodle]) {
      const attacker = await authorize(p.sim, spec(p, undefined, p.users.coach.sub), fresh());
      const victim = fresh();
      const landed = await expectNothingWritten(() => post(victim, { id_token: attacker.idToken, state: attacker.state }));
      expect(landed.headers.location ?? '').not.toMatch(/ltik=/);
      expect(landed.text).not.toContain(attacker.idToken);
      // No link or form on the page carries the attacker's token for the victim to finish.
      expect(landed.text).not.toMatch(/name="id_token"/);
    }
  });

  test('a launch whose id_token lacks the deployment claim is still refused before storage', async () => {
    const r = await expectNothingWritten(() => h.rawLaunch(h.canvas, spec(h.canvas, { claims: { [Claim.deploymentId]: 'unknown' } }), { launchCookies: false }));
    expect(r.status).toBe(403);
  });
});
