import { Types } from 'mongoose';
import * as plans from '../../src/plans/service';
import { Harness, Persona, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { idFrom, pathwayFields } from '../support/pathways';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

// Teachers register for a session from where they meet the activity: a goal in their plan and a pathway step.

let h: Harness;
let w: SessionsWorld;
let people: SessionsWorld['people'];
let sessionId: string;
const tenantId = () => h.canvas.tenantId;

/** The hrefs of the page's links whose text starts with `text`, as the browser would follow them. */
const withoutLtik = (href: string) => href.replace(/[?&]ltik=[^&#]*/, '');
function hrefsOf(html: string, text: string): string[] {
  const found = [...html.matchAll(/<a class="activity-link[^"]*" href="([^"]+)">([^<]*)/g)];
  return found.filter((m) => m[2]!.startsWith(text)).map((m) => m[1]!.replace(/&amp;/g, '&'));
}
const planOf = async (p: Persona) => (await plans.currentPlan(tenantId(), (await w.userOf(p))._id))!;
const goalPage = async (p: Persona, goalId: string) => (await people[p]!.get(`/plans/${(await planOf(p))._id}/goals/${goalId}`)).text;
const selectedGoal = (html: string) => /<option value="([a-f0-9]{24})" selected/.exec(html)?.[1];

beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3']);
  ({ people } = w);
  for (const p of ['teacher', 'teacher3'] as Persona[]) {
    const u = await w.userOf(p);
    await plans.addCatalogActivity(tenantId(), (await planOf(p))._id, new Types.ObjectId(w.goals.get(p)), { activityId: w.workshopId }, { userId: u._id, name: u.name });
  }
  sessionId = await w.schedule({ seatLimit: '5' });
});
afterAll(() => h.close());

test('from a goal: the activity links to its sessions with the goal, the session page preselects it, and the registration links that goal without adding the activity twice', async () => {
  const goalId = w.goals.get('teacher')!;
  const planPage = (await people.teacher!.get(`/plans/${(await planOf('teacher'))._id}`)).text;
  const [link] = hrefsOf(await goalPage('teacher', goalId), 'Register for its session');
  expect(hrefsOf(planPage, 'Register for its session')).toEqual([link]);
  expect(link).toMatch(new RegExp(`^/sessions\\?activity=${w.workshopId}&goal=${goalId}&ltik=`));

  const list = await people.teacher!.get(withoutLtik(link!));
  expect(pageText(list.text)).toContain('For your goal Check understanding in every lesson');
  const sessionHref = new RegExp(`href="(/sessions/${sessionId}\\?goal=${goalId}[^"]*)"`).exec(list.text)?.[1]?.replace(/&amp;/g, '&');
  expect(sessionHref).toBeDefined();
  expect(selectedGoal((await people.teacher!.get(withoutLtik(sessionHref!))).text)).toBe(goalId);

  const before = (await planOf('teacher')).goals[0]!.activities.length;
  const res = await people.teacher!.post(`/sessions/${sessionId}/register`, { goalId });
  expect(res.status).toBe(303);
  expect(res.headers.location).not.toContain('added=1');
  expect((await planOf('teacher')).goals[0]!.activities).toHaveLength(before);
  const [mine] = (await w.registrations(sessionId)).filter((r) => String(r.goalId) === goalId);
  expect(mine).toMatchObject({ status: 'registered' });

  const page = await goalPage('teacher', goalId);
  expect(hrefsOf(page, 'Register for')).toHaveLength(0);
  expect(hrefsOf(page, 'Registered for the session on')[0]).toMatch(new RegExp(`^/sessions/${sessionId}\\?ltik=`));
  const activity = (await planOf('teacher')).goals[0]!.activities.find((a) => String(a.activityId) === w.workshopId)!;
  const activityPage = (await people.teacher!.get(`/plans/${(await planOf('teacher'))._id}/goals/${goalId}/activities/${activity._id}`)).text;
  expect(hrefsOf(activityPage, 'Registered for the session on')).toHaveLength(1);
});

test('the goal in the address preselects only the person’s own goal: someone else’s or a malformed one is ignored', async () => {
  const others = w.goals.get('teacher3')!;
  const list = await people.teacher2!.get(`/sessions?activity=${w.workshopId}&goal=${others}`);
  expect(list.status).toBe(200);
  expect(pageText(list.text)).not.toContain('For your goal');
  expect(list.text).not.toContain(`goal=${others}`);
  expect(selectedGoal((await people.teacher2!.get(`/sessions/${sessionId}?goal=${others}`)).text)).toBeUndefined();
  const malformed = await people.teacher2!.get(`/sessions?activity=${w.workshopId}&goal=%3Cscript%3E`);
  expect(malformed.status).toBe(200);
  expect(malformed.text).not.toContain('<script>');
  expect((await people.teacher2!.get(`/sessions/${sessionId}?goal=nope`)).status).toBe(200);
});

test('nobody else sees a teacher’s session links, and a cancelled session takes the link away', async () => {
  const goalId = w.goals.get('teacher3')!;
  expect(hrefsOf(await goalPage('teacher3', goalId), 'Register for its session')).toHaveLength(1);
  const coachView = await w.staff.get(`/plans/${(await planOf('teacher3'))._id}/goals/${goalId}`);
  expect(hrefsOf(coachView.text, 'Register')).toHaveLength(0);

  const other = await w.schedule({ seatLimit: '1' });
  expect(hrefsOf(await goalPage('teacher3', goalId), 'Register for a session (2 open)')).toHaveLength(1);
  expect((await w.staff.post(`/sessions/${other}/cancel`)).status).toBe(303);
  expect(hrefsOf(await goalPage('teacher3', goalId), 'Register for its session')).toHaveLength(1);
});

test('from a pathway step: My pathways links the step to its sessions with the pathway’s goal, and registering links that goal', async () => {
  const created = await w.staff.post('/pathways', pathwayFields('Formative checks in practice', [w.workshopId]));
  const pathwayId = idFrom(created.headers.location, 'pathways');
  expect((await w.staff.post(`/pathways/${pathwayId}/publish`)).status).toBe(303);
  const teacher2 = await w.userOf('teacher2');
  expect((await w.staff.post(`/pathways/${pathwayId}/assign/people`, { userIds: String(teacher2._id), dueAt: '' })).status).toBe(303);
  const pathwayGoal = (await planOf('teacher2')).goals.find((g) => g.origin?.kind === 'pathway')!;

  const [link] = hrefsOf((await people.teacher2!.get('/pathways/mine')).text, 'Register for its session');
  expect(link).toMatch(new RegExp(`^/sessions\\?activity=${w.workshopId}&goal=${pathwayGoal._id}&`));
  expect(hrefsOf((await people.teacher2!.get(`/pathways/${pathwayId}`)).text, 'Register for its session')[0]).toContain(`goal=${pathwayGoal._id}`);
  expect(selectedGoal((await people.teacher2!.get(`/sessions/${sessionId}?goal=${pathwayGoal._id}`)).text)).toBe(String(pathwayGoal._id));

  expect((await people.teacher2!.post(`/sessions/${sessionId}/register`, { goalId: String(pathwayGoal._id) })).status).toBe(303);
  const [mine] = (await w.registrations(sessionId)).filter((r) => r.userId.equals(teacher2._id));
  expect(String(mine!.goalId)).toBe(String(pathwayGoal._id));
  expect((await planOf('teacher2')).goals.find((g) => g._id.equals(pathwayGoal._id))!.activities).toHaveLength(1);
  expect(hrefsOf((await people.teacher2!.get('/pathways/mine')).text, 'Registered for the session on')).toHaveLength(1);
});
