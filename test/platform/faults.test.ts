import { decodeJwt } from 'jose';
import { Claim, MediaType, Scope } from '../../src/demo/platform';
import { startHarness, type Harness } from './fakeTool';

describe('fault injection', () => {
  let h: Harness;
  let token: string;
  let lineItemUrl: string;

  beforeAll(async () => {
    h = await startHarness('moodle');
    token = await h.tool.accessToken([Scope.lineItem, Scope.score]);
    const idToken = await h.sim.signIdToken({ user: h.roster.users.teacher!.sub, course: h.roster.course.id }, 'n');
    const lineItems = (decodeJwt(idToken)[Claim.agsEndpoint] as { lineitems: string }).lineitems;
    const res = await fetch(lineItems, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': MediaType.lineItem },
      body: JSON.stringify({ label: 'Faulty', scoreMaximum: 1 }),
    });
    lineItemUrl = ((await res.json()) as { id: string }).id;
  });
  afterEach(() => h.sim.faults.clear());
  afterAll(() => h.close());

  let seconds = 0;
  const postScore = (): Promise<Response> =>
    fetch(lineItemUrl.replace('?', '/scores?'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': MediaType.score },
      body: JSON.stringify({
        userId: h.roster.users.teacher!.sub,
        scoreGiven: 1,
        scoreMaximum: 1,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seconds++)).toISOString(),
      }),
    });

  it('answers 500 the given number of times, then serves again', async () => {
    const fault = h.sim.faults.add({ path: /\/scores$/, status: 500, times: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postScore()).status);
    expect(statuses).toEqual([500, 500, 500, 200]);
    expect(fault.hits).toBe(3);
    expect(h.sim.faults.list()).toEqual([]);
    expect(h.sim.ags.scores(lineItemUrl)).toHaveLength(1);
  });

  it('answers 429 with Retry-After until the given time', async () => {
    h.sim.faults.add({ path: '/scores', status: 429, retryAfterSeconds: 2, until: new Date(Date.now() + 300) });
    const limited = await postScore();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await postScore()).status).toBe(200);
  });

  it('adds latency without changing the answer', async () => {
    h.sim.faults.add({ latencyMs: 150, times: 1 });
    const started = Date.now();
    expect((await postScore()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('takes the token endpoint down, and only it', async () => {
    h.sim.faults.add({ path: /token/, status: 503 });
    await expect(h.tool.accessToken([Scope.score])).rejects.toThrow(/503/);
    expect((await postScore()).status).toBe(200);
    h.sim.faults.clear();
    await expect(h.tool.accessToken([Scope.score])).resolves.toEqual(expect.any(String));
  });

  it('matches by method and serves a custom body', async () => {
    h.sim.faults.add({ method: 'GET', status: 403, body: { errors: [{ message: 'Rate Limit Exceeded' }] } });
    expect((await postScore()).status).toBe(200);
    const get = await fetch(lineItemUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(403);
    expect(await get.json()).toEqual({ errors: [{ message: 'Rate Limit Exceeded' }] });
  });

  it('leaves launches and the JWKS alone', async () => {
    h.sim.faults.add({ status: 500 });
    expect((await fetch(h.sim.jwksUrl)).status).toBe(200);
  });
});
