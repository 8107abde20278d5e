import supertest from 'supertest';
import { Harness, Persona, SimulatedPlatform, startHarness } from '../support/harness';
import { parseLaunchForm } from '../support/launchClient';

/**
 * What a launch costs the database, counted by the server (serverStatus metrics.commands, as `npm run bench`
 * does): a returning user's launch writes its login, consumes it and records the user, and reads nothing
 * else but what its landing page reads. A view of that page with the ltik costs its reads plus three: the
 * two ltijs session tokens and the user.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Counts = Map<string, number>;
const UPKEEP = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'saslStart', 'saslContinue', 'serverStatus', 'endSessions', 'buildInfo']);

async function counts(): Promise<Counts> {
  const status = await h.db().admin().command({ serverStatus: 1 });
  return new Map(Object.entries(status.metrics.commands as Record<string, { total: number }>).map(([name, c]) => [name, Number(c.total)]));
}

async function commandsDuring(run: () => Promise<unknown>): Promise<Counts> {
  await new Promise((r) => setTimeout(r, 50));
  const before = await counts();
  await run();
  await new Promise((r) => setTimeout(r, 50));
  const after = await counts();
  const out: Counts = new Map();
  for (const [name, n] of after) if (!UPKEEP.has(name) && n > (before.get(name) ?? 0)) out.set(name, n - (before.get(name) ?? 0));
  return out;
}

const total = (c: Counts) => [...c.values()].reduce((a, b) => a + b, 0);
const launch = (p: SimulatedPlatform, persona: Persona) => h.launchAs(p, persona, { resourceLink: { id: 'rl-trips', title: 'PD Pathways' } });

describe('database commands per launch', () => {
  const homes = [['teacher', '/dashboard'], ['coach', '/coach'], ['pdlead', '/staff']] as const;
  test.each(homes)('a returning %s launch costs its landing page (%s) plus at most three commands', async (persona, home) => {
    await launch(h.canvas, persona);
    const launched = await commandsDuring(async () => expect((await launch(h.canvas, persona)).launch.status).toBe(200));
    const s = await launch(h.canvas, persona);
    const page = await commandsDuring(async () => expect((await s.get(home)).status).toBe(200));
    const pageReads = total(page) - 3;
    expect(total(launched) - pageReads).toBeLessThanOrEqual(3);
    // the login written, then consumed with the user's upsert; no ltijs token, nonce or course write
    expect(launched.get('insert')).toBe(1);
    expect(launched.get('findAndModify')).toBe(2);
    expect(launched.get('update') ?? 0).toBe(0);
  });

  test('a launch whose claims changed rewrites the ltijs session token, and the page shows the change', async () => {
    const user = h.moodle.users.teacher;
    await launch(h.moodle, 'teacher');
    h.moodle.sim.addUser({ ...user, name: 'Renamed Teacher' });
    try {
      const s = await launch(h.moodle, 'teacher');
      expect(s.launch.text).toContain('Signed in as Renamed Teacher');
      const token = await h.db().collection('idtokens').findOne({ user: user.sub });
      expect(token?.userInfo?.name).toBe('Renamed Teacher');
    } finally {
      h.moodle.sim.addUser(user);
    }
  });

  test('a second page view reads the session tokens from the database, as another instance would', async () => {
    const s = await launch(h.canvas, 'teacher');
    const page = await commandsDuring(async () => expect((await s.get('/plan')).status).toBe(200));
    expect(page.get('find')).toBeGreaterThanOrEqual(3);
  });
});

describe('the signed cookie-check link', () => {
  const spec = () => ({ user: h.canvas.users.teacher.sub, course: h.canvas.course.id, resourceLink: { id: 'rl-trips' } });

  async function continuation(): Promise<{ agent: supertest.Agent; url: URL }> {
    const agent = supertest.agent(h.app);
    const initiation = h.canvas.sim.loginInitiationForm(spec());
    const login = await agent.post(new URL(initiation.action).pathname).type('form').send(initiation.fields);
    expect(login.status).toBe(302);
    return { agent, url: new URL(login.headers.location as string, h.toolUrl) };
  }

  test('with the state cookie back it leads to the platform without reading the login', async () => {
    const { agent, url } = await continuation();
    let location = '';
    const used = await commandsDuring(async () => (location = (await agent.get(url.pathname + url.search)).headers.location as string));
    expect(location.startsWith(h.canvas.sim.authUrl)).toBe(true);
    expect(total(used)).toBe(0);
  });

  test('a changed redirect is not followed: the stored login decides where the browser goes', async () => {
    const { agent, url } = await continuation();
    url.searchParams.set('next', 'https://attacker.example/authorize');
    const res = await agent.get(url.pathname + url.search);
    expect(res.status).toBe(302);
    expect((res.headers.location as string).startsWith(h.canvas.sim.authUrl)).toBe(true);
  });

  test('an expired link falls back to the stored login', async () => {
    const { agent, url } = await continuation();
    url.searchParams.set('expires', String(Date.now() - 1));
    expect((await agent.get(url.pathname + url.search)).headers.location).toMatch(new RegExp(`^${h.canvas.sim.authUrl}`));
  });

  test('once its launch is done, the link is refused', async () => {
    const { agent, url } = await continuation();
    const authUrl = (await agent.get(url.pathname + url.search)).headers.location as string;
    const form = parseLaunchForm(await (await fetch(authUrl, { redirect: 'manual' })).text());
    const launched = await agent.post('/').type('form').send({ id_token: form.idToken, state: form.state });
    expect(launched.headers.location).toContain('ltik=');
    const again = await agent.get(url.pathname + url.search);
    expect(again.status).toBe(400);
    expect(again.text).toContain('This sign-in has expired');
  });

  test('without the state cookie the link does not go straight to the platform', async () => {
    const { url } = await continuation();
    const res = await supertest(h.app).get(url.pathname + url.search);
    expect(res.headers.location?.startsWith(h.canvas.sim.authUrl) ?? false).toBe(false);
  });
});
