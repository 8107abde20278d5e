import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('full LTI 1.3 launches land each role on its home', () => {
  const cases = [
    ['canvas', 'teacher', 'My PD plan'],
    ['canvas', 'coach', 'Coaching caseload'],
    ['canvas', 'pdlead', 'PD staff console'],
    ['moodle', 'teacher', 'My PD plan'],
    ['moodle', 'coach', 'Coaching caseload'],
    ['moodle', 'pdlead', 'PD staff console'],
  ] as const;

  test.each(cases)('%s %s lands on the %s', async (flavor, persona, heading) => {
    const p = h[flavor];
    const s = await h.launchAs(p, persona);
    expect(s.launch.status).toBe(200);
    expect(s.launch.text).toContain(`<h1>${heading}</h1>`);
    expect(s.launch.text).toContain(`Signed in as ${p.users[persona].name}`);
    expect(s.launch.text).toContain(p.course.title);
  });
});
