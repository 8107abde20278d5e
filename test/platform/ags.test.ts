import { decodeJwt } from 'jose';
import { Claim, MediaType, Scope, type Flavor } from '../../src/demo/platform';
import { startHarness, type Harness } from './fakeTool';

const ALL_AGS = [Scope.lineItem, Scope.lineItemReadonly, Scope.resultReadonly, Scope.score];

/** Inserts a path segment before the query string, as a tool must for AGS sub-resources. */
function sub(url: string, segment: string): string {
  const [path, query] = url.split('?');
  return `${path}/${segment}${query ? `?${query}` : ''}`;
}

describe.each<Flavor>(['canvas', 'moodle'])('%s-like AGS', (flavor) => {
  let h: Harness;
  let token: string;
  let lineItemsUrl: string;

  beforeAll(async () => {
    h = await startHarness(flavor);
    token = await h.tool.accessToken(ALL_AGS);
    const idToken = await h.sim.signIdToken({ user: h.roster.users.teacher!.sub, course: h.roster.course.id }, 'n');
    lineItemsUrl = (decodeJwt(idToken)[Claim.agsEndpoint] as { lineitems: string }).lineitems;
  });
  afterAll(() => h.close());

  const call = (url: string, init: RequestInit = {}, bearer = token): Promise<Response> =>
    fetch(url, { ...init, headers: { authorization: `Bearer ${bearer}`, ...init.headers } });
  const postJson = (url: string, body: unknown, contentType: string, bearer = token): Promise<Response> =>
    call(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': contentType } }, bearer);
  const createLineItem = async (fields: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>> => {
    const res = await postJson(lineItemsUrl, { scoreMaximum: 100, label: 'Pathway', ...fields }, MediaType.lineItem);
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  };
  const score = (lineItem: string, body: Record<string, unknown>): Promise<Response> =>
    postJson(
      sub(lineItem, 'scores'),
      { activityProgress: 'Completed', gradingProgress: 'FullyGraded', scoreMaximum: 100, ...body },
      MediaType.score,
    );
  const learner = (): string => h.roster.users.teacher!.sub;

  it('lays out service URLs like the real platform', () => {
    if (flavor === 'canvas') expect(lineItemsUrl).toBe(`${h.sim.baseUrl}/api/lti/courses/4101/line_items`);
    else expect(lineItemsUrl).toBe(`${h.sim.baseUrl}/mod/lti/services.php/2/lineitems?type_id=1`);
  });

  it('creates a line item and finds it by resource_id, tag and resource_link_id', async () => {
    const item = await createLineItem({ label: 'Goal 1', resourceId: 'goal-1', tag: 'pd-goal', resourceLinkId: 'rl-9' });
    expect(item).toEqual({
      id: expect.any(String),
      label: 'Goal 1',
      scoreMaximum: 100,
      resourceId: 'goal-1',
      tag: 'pd-goal',
      resourceLinkId: 'rl-9',
    });
    const find = async (query: string): Promise<unknown[]> => {
      const url = new URL(lineItemsUrl);
      for (const [k, v] of new URLSearchParams(query)) url.searchParams.set(k, v);
      const res = await call(url.toString());
      expect(res.headers.get('content-type')).toContain(MediaType.lineItemContainer);
      return (await res.json()) as unknown[];
    };
    expect(await find('resource_id=goal-1')).toEqual([item]);
    expect(await find('tag=pd-goal')).toEqual([item]);
    expect(await find('resource_link_id=rl-9')).toEqual([item]);
    expect(await find('resource_id=nope')).toEqual([]);
    expect(h.sim.ags.lineItems(h.roster.course.id)).toContainEqual(expect.objectContaining({ id: item.id, courseId: h.roster.course.id }));
  });

  it('pages the container with Link rel="next"', async () => {
    for (let i = 0; i < 12; i++) await createLineItem({ label: `Item ${i}`, tag: 'paged' });
    const url = new URL(lineItemsUrl);
    url.searchParams.set('tag', 'paged');
    url.searchParams.set('limit', '5');
    const labels: string[] = [];
    let next: string | undefined = url.toString();
    let pages = 0;
    while (next) {
      const res = await call(next);
      pages += 1;
      labels.push(...((await res.json()) as { label: string }[]).map((i) => i.label));
      const link = res.headers.get('link') ?? '';
      next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
      if (next) expect(next).toContain('tag=paged');
      if (next && flavor === 'moodle') expect(next).toContain('type_id=1');
      if (flavor === 'canvas') expect(link).toContain('rel="last"');
    }
    expect(pages).toBe(3);
    expect(labels).toEqual(Array.from({ length: 12 }, (_, i) => `Item ${i}`));
  });

  it('reads, updates and deletes a line item', async () => {
    const item = await createLineItem({ label: 'Temp' });
    const read = await call(item.id);
    expect(read.headers.get('content-type')).toContain(MediaType.lineItem);
    expect(await read.json()).toEqual(item);
    const put = await call(item.id, {
      method: 'PUT',
      body: JSON.stringify({ label: 'Renamed', scoreMaximum: 10 }),
      headers: { 'content-type': MediaType.lineItem },
    });
    expect(await put.json()).toEqual({ id: item.id, label: 'Renamed', scoreMaximum: 10 });
    expect((await call(item.id, { method: 'DELETE' })).status).toBe(204);
    expect((await call(item.id)).status).toBe(404);
  });

  it('validates line items', async () => {
    expect((await postJson(lineItemsUrl, { label: '', scoreMaximum: 10 }, MediaType.lineItem)).status).toBe(400);
    expect((await postJson(lineItemsUrl, { label: 'x', scoreMaximum: 0 }, MediaType.lineItem)).status).toBe(400);
    const badJson = await call(lineItemsUrl, { method: 'POST', body: '{', headers: { 'content-type': MediaType.lineItem } });
    expect(badJson.status).toBe(400);
  });

  it(flavor === 'canvas' ? 'answers a score with its result URL' : 'answers a score with 200 and an empty body', async () => {
    const item = await createLineItem({ label: 'Scored' });
    const res = await score(item.id, { userId: learner(), scoreGiven: 80, timestamp: new Date().toISOString(), comment: 'Well done' });
    expect(res.status).toBe(200);
    const body = await res.text();
    if (flavor === 'canvas') expect(JSON.parse(body)).toEqual({ resultUrl: sub(item.id, `results/${learner()}`) });
    else expect(body).toBe('');
    expect(h.sim.ags.scores(item.id)).toEqual([
      expect.objectContaining({ userId: learner(), scoreGiven: 80, comment: 'Well done', lineItemId: item.id }),
    ]);
  });

  it('refuses a score older than the last one for the user, at the flavor resolution', async () => {
    const item = await createLineItem({ label: 'Ordered' });
    const t0 = Date.parse('2025-03-01T10:00:00.400Z');
    const at = (ms: number): string => new Date(t0 + ms).toISOString();
    expect((await score(item.id, { userId: learner(), scoreGiven: 10, timestamp: at(0) })).status).toBe(200);
    const older = await score(item.id, { userId: learner(), scoreGiven: 5, timestamp: at(-1) });
    expect(older.status).toBe(flavor === 'canvas' ? 400 : 409);
    const sameSecond = await score(item.id, { userId: learner(), scoreGiven: 20, timestamp: at(300) });
    expect(sameSecond.status).toBe(flavor === 'canvas' ? 200 : 409);
    expect((await score(item.id, { userId: learner(), scoreGiven: 30, timestamp: at(1000) })).status).toBe(200);
    const other = h.roster.users.teacher2!.sub;
    expect((await score(item.id, { userId: other, scoreGiven: 1, timestamp: at(-5000) })).status).toBe(200);
  });

  it('refuses scores of users who cannot be graded in the course', async () => {
    const item = await createLineItem({ label: 'Gradable' });
    const expected = flavor === 'canvas' ? 422 : 400;
    const instructor = await score(item.id, { userId: h.roster.users.pdlead!.sub, scoreGiven: 1, timestamp: new Date().toISOString() });
    expect(instructor.status).toBe(expected);
    const stranger = await score(item.id, { userId: 'nobody', scoreGiven: 1, timestamp: new Date().toISOString() });
    expect(stranger.status).toBe(expected);
  });

  it('accepts the numeric LMS user id as userId and stores the score under the sub', async () => {
    const item = await createLineItem({ label: 'By LMS id' });
    const teacher2 = h.roster.users.teacher2!;
    const res = await score(item.id, { userId: teacher2.lmsId, scoreGiven: 3, timestamp: new Date().toISOString() });
    // Canvas maps its user id to the LTI sub; Moodle's sub already is its user id.
    expect(res.status).toBe(200);
    expect(h.sim.ags.scores(item.id)[0]?.userId).toBe(teacher2.sub);
  });

  it.each([
    ['scoreGiven above scoreMaximum', { scoreGiven: 101 }, 400],
    ['an unknown activityProgress', { activityProgress: 'Done' }, 400],
    ['an unknown gradingProgress', { gradingProgress: 'Graded' }, 400],
    ['a timestamp without zone', { timestamp: '2025-03-01T10:00:00' }, 400],
    ['a missing userId', { userId: undefined }, 400],
  ])('refuses a score with %s', async (_what, change, status) => {
    const item = await createLineItem({ label: 'Validated' });
    const res = await score(item.id, { userId: learner(), scoreGiven: 5, timestamp: new Date().toISOString(), ...change });
    expect(res.status).toBe(status);
  });

  it('requires scoreMaximum with scoreGiven', async () => {
    const item = await createLineItem({ label: 'Max' });
    const res = await score(item.id, { userId: learner(), scoreGiven: 5, scoreMaximum: undefined, timestamp: new Date().toISOString() });
    expect(res.status).toBe(flavor === 'canvas' ? 422 : 400);
  });

  it('lists results: the latest score per user, filtered by user_id', async () => {
    const item = await createLineItem({ label: 'Results' });
    const t = Date.now();
    await score(item.id, { userId: learner(), scoreGiven: 40, timestamp: new Date(t).toISOString() });
    await score(item.id, { userId: learner(), scoreGiven: 90, timestamp: new Date(t + 2000).toISOString() });
    const pending = { gradingProgress: 'Pending', scoreGiven: 10, timestamp: new Date(t).toISOString() };
    await score(item.id, { userId: h.roster.users.teacher2!.sub, ...pending });
    const res = await call(sub(item.id, 'results'));
    expect(res.headers.get('content-type')).toContain(MediaType.resultContainer);
    expect(await res.json()).toEqual([
      { id: sub(item.id, `results/${learner()}`), scoreOf: item.id, userId: learner(), resultScore: 90, resultMaximum: 100 },
      { id: expect.any(String), scoreOf: item.id, userId: h.roster.users.teacher2!.sub },
    ]);
    const one = new URL(sub(item.id, 'results'));
    one.searchParams.set('user_id', learner());
    expect(await (await call(one.toString())).json()).toHaveLength(1);
  });

  it('checks the bearer token and its scope', async () => {
    const scoreOnly = await h.tool.accessToken([Scope.score]);
    expect((await postJson(lineItemsUrl, { label: 'x', scoreMaximum: 1 }, MediaType.lineItem, scoreOnly)).status).toBe(403);
    expect((await call(lineItemsUrl, {}, scoreOnly)).status).toBe(403);
    expect((await call(lineItemsUrl, {}, 'forged')).status).toBe(401);
    const anonymous = await fetch(lineItemsUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 404 for unknown courses and line items', async () => {
    expect((await call(lineItemsUrl.replace(`/${h.roster.course.id}/`, '/999/'))).status).toBe(404);
    const item = await createLineItem({ label: 'Known' });
    const unknown = item.id.replace(/\/(line_items|lineitems)\/\d+/, '/$1/99999');
    expect((await call(unknown)).status).toBe(404);
  });

  it(
    flavor === 'canvas' ? 'requires a User-Agent and reports X-Rate-Limit-Remaining' : 'needs no User-Agent',
    async () => {
      const res = await call(lineItemsUrl, { headers: { 'user-agent': '' } });
      expect(res.status).toBe(flavor === 'canvas' ? 403 : 200);
      const ok = await call(lineItemsUrl, { headers: { 'user-agent': 'pd-pathways-test' } });
      expect(ok.status).toBe(200);
      if (flavor === 'canvas') expect(Number(ok.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(0);
      else expect(ok.headers.get('x-rate-limit-remaining')).toBeNull();
    },
  );
});
