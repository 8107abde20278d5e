import * as frameworks from '../../src/frameworks/service';
import * as users from '../../src/users/service';
import { Harness, startHarness } from '../support/harness';

let h: Harness;
const tenantId = () => h.canvas.tenantId;
const pageText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
/** The text of <main> up to its first section, and that section. */
const firstSection = (html: string) => /<main[^>]*>[\s\S]*?(<section[\s\S]*?<\/section>)/.exec(html)![1]!;

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
});
afterAll(() => h.close());

describe('dates in the launch’s locale', () => {
  let planId = '';

  test('a German launch sees the plan’s dates in German, never as ISO; the start page writes the cap as money', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher', { locale: 'de-DE' });
    const start = pageText((await teacher.get('/plan')).text);
    expect(start).toContain('at most $1,500.00 and 120 hours a year');
    const created = await teacher.post('/plan');
    planId = /\/plans\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
    const goal = await teacher.post(`/plans/${planId}/goals`, { statement: 'Use exit tickets to plan the next lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in four of five lessons', targetDate: '2027-03-01' });
    expect(goal.status).toBe(303);
    const page = (await teacher.get(`/plans/${planId}`)).text;
    expect(page).toContain('<time datetime="2027-03-01">1. März 2027</time>');
    expect(pageText(page)).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
  });

  test('a British launch of the same person sees day-month-year', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher', { locale: 'en-GB' });
    expect((await teacher.get(`/plans/${planId}`)).text).toContain('<time datetime="2027-03-01">1 Mar 2027</time>');
  });

  test('a launch without a usable locale follows the browser’s Accept-Language, else US English', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher', { locale: '' });
    expect((await teacher.get(`/plans/${planId}`).set('Accept-Language', 'fr-FR,fr;q=0.9,en;q=0.5')).text).toContain('1 mars 2027');
    expect((await teacher.get(`/plans/${planId}`)).text).toContain('Mar 1, 2027');
  });
});

describe('each home starts with the next step', () => {
  test('the teacher’s home leads with what to do about their plan, before who they are', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher');
    const home = (await teacher.get('/dashboard')).text;
    const first = pageText(firstSection(home));
    expect(first).toContain('Your next step');
    expect(first).toContain('Before you submit: Goal 1 has no activities yet.');
    expect(home.indexOf('next-step-title')).toBeLessThan(home.indexOf('Signed in as'));
  });

  test('a new teacher is asked to write their first goal', async () => {
    const colleague = await h.launchAs(h.canvas, 'teacher2');
    expect(pageText(firstSection((await colleague.get('/dashboard')).text))).toContain('Start your PD plan: write your first goal.');
  });

  test('PD staff are told how many people have not launched yet', async () => {
    await users.ensurePerson(tenantId(), { name: 'Pending Person', email: 'pending.person@district.example' });
    await users.ensurePerson(tenantId(), { name: 'Other Pending', email: 'other.pending@district.example' });
    const lead = await h.launchAs(h.canvas, 'pdlead');
    const first = pageText(firstSection((await lead.get('/staff')).text));
    expect(first).toContain('2 people have not launched PD Pathways yet.');
    expect(first).toContain('See people');
  });
});
