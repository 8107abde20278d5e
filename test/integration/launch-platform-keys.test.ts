import { Harness, startHarness } from '../support/harness';
import { launchWrites } from '../support/launchWrites';

let h: Harness;
let keysetFetches = 0;

beforeAll(async () => {
  h = await startHarness();
  const jwksPath = new URL(h.canvas.sim.jwksUrl).pathname;
  h.canvas.server.on('request', (req) => {
    if (req.url === jwksPath) keysetFetches++;
  });
});
afterAll(() => h.close());

const teacher = () => ({ user: h.canvas.users.teacher.sub, course: h.canvas.course.id, resourceLink: { id: 'rl-keys' } });

describe('platform keysets at launch', () => {
  it('fetches the platform keyset for the first launch only; later launches are verified from the cache', async () => {
    for (let i = 0; i < 3; i++) expect((await h.launchAs(h.canvas, 'teacher')).launch.status).toBe(200);
    expect(keysetFetches).toBe(1);
  });

  it('keeps working when the platform rotates its key: the unknown kid fetches the keyset again, once', async () => {
    const before = keysetFetches;
    await h.canvas.sim.rotateKey();
    expect((await h.launchAs(h.canvas, 'teacher')).launch.status).toBe(200);
    expect((await h.launchAs(h.canvas, 'teacher')).launch.status).toBe(200);
    expect(keysetFetches).toBe(before + 1);
  });

  it('refuses a token naming a kid the platform never published, and records nothing', async () => {
    const before = await launchWrites(h.db());
    const result = await h.rawLaunch(h.canvas, { ...teacher(), tamper: { kid: 'made-up-kid' } });
    expect(result.status).toBe(401);
    expect(result.ltik).toBeUndefined();
    expect(result.text).toMatch(/could not be verified/);
    expect(await launchWrites(h.db())).toEqual(before);
  });

  it('still refuses a token signed with a foreign key under the published kid', async () => {
    const result = await h.rawLaunch(h.canvas, { ...teacher(), tamper: { signWith: 'foreign-key' } });
    expect(result.status).toBe(401);
    expect(result.ltik).toBeUndefined();
  });
});
