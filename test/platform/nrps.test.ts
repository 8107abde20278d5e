import { decodeJwt } from 'jose';
import { Claim, MediaType, Role, Scope, type Flavor, type SimMembership } from '../../src/demo/platform';
import { startHarness, type Harness } from './fakeTool';

interface Member {
  user_id: string;
  status: string;
  name: string;
  email: string;
  roles: string[];
  lis_person_sourcedid?: string;
}

describe.each<Flavor>(['canvas', 'moodle'])('%s-like NRPS', (flavor) => {
  let h: Harness;
  let token: string;
  let membershipsUrl: string;

  beforeAll(async () => {
    h = await startHarness(flavor);
    // A course of 22 learners, 2 instructors and 1 mentor: 25 members, 3 pages of 10.
    const members: SimMembership[] = [];
    for (let i = 1; i <= 25; i++) {
      const sub = `u${i}`;
      const name = { name: `User ${i}`, givenName: 'User', familyName: String(i) };
      h.sim.addUser({ sub, lmsId: String(1000 + i), ...name, email: `u${i}@x.example` });
      const role = i <= 22 ? Role.learner : i <= 24 ? Role.instructor : Role.mentor;
      members.push({ userSub: sub, roles: [role] });
    }
    h.sim.addCourse({ id: '77', label: 'BIG', title: 'Big course', members });
    token = await h.tool.accessToken([Scope.nrps]);
    const idToken = await h.sim.signIdToken({ user: 'u1', course: '77' }, 'n');
    membershipsUrl = (decodeJwt(idToken)[Claim.nrps] as { context_memberships_url: string }).context_memberships_url;
  });
  afterAll(() => h.close());

  const get = (url: string): Promise<Response> => fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const nextLink = (res: Response): string | undefined => /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];

  async function allPages(start: string): Promise<{ pages: number; members: Member[] }> {
    const members: Member[] = [];
    let pages = 0;
    for (let url: string | undefined = start; url; pages++) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(MediaType.membershipContainer);
      const body = (await res.json()) as { id: string; context: { id: string }; members: Member[] };
      expect(body.context).toMatchObject({ id: '77', label: 'BIG', title: 'Big course' });
      members.push(...body.members);
      url = nextLink(res);
    }
    return { pages, members };
  }

  it('pages 25 members over 3 pages of the default size with Link rel="next"', async () => {
    const { pages, members } = await allPages(membershipsUrl);
    expect(pages).toBe(3);
    expect(members.map((m) => m.user_id)).toEqual(Array.from({ length: 25 }, (_, i) => `u${i + 1}`));
    expect(members[0]).toEqual({
      user_id: 'u1',
      status: 'Active',
      name: 'User 1',
      given_name: 'User',
      family_name: '1',
      email: 'u1@x.example',
      roles: [flavor === 'canvas' ? Role.learner : 'Learner'],
    });
  });

  it('honours limit', async () => {
    const url = new URL(membershipsUrl);
    url.searchParams.set('limit', '20');
    expect((await allPages(url.toString())).pages).toBe(2);
  });

  it('filters by role, given as a full URI or a short name', async () => {
    for (const role of [Role.instructor, 'Instructor']) {
      const url = new URL(membershipsUrl);
      url.searchParams.set('role', role);
      const { members } = await allPages(url.toString());
      expect(members.map((m) => m.user_id)).toEqual(['u23', 'u24']);
    }
  });

  it('lists the sourced id and lays out the URL like the real platform', async () => {
    const res = await get(membershipsUrl.replace('/77/', `/${h.roster.course.id}/`));
    const body = (await res.json()) as { members: Member[] };
    expect(body.members.find((m) => m.user_id === h.roster.users.teacher!.sub)?.lis_person_sourcedid).toBe('SIS-101');
    if (flavor === 'canvas') expect(membershipsUrl).toBe(`${h.sim.baseUrl}/api/lti/courses/77/names_and_roles`);
    else expect(membershipsUrl).toBe(`${h.sim.baseUrl}/mod/lti/services.php/CourseSection/77/bindings/1/memberships`);
  });

  it('requires a token with the NRPS scope', async () => {
    expect((await fetch(membershipsUrl)).status).toBe(401);
    const agsOnly = await h.tool.accessToken([Scope.score]);
    expect((await fetch(membershipsUrl, { headers: { authorization: `Bearer ${agsOnly}` } })).status).toBe(403);
  });
});
