import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { utcToWallTime } from '../../src/sessions/rules';
import { addGoal, checkPage, click, DemoLaunch, followLink, newContext, planWithGoal, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();
const WORKSHOP = 'Hinge Questions and Mini-Whiteboards';
const MINUTE = 60_000;

/** PD staff schedule a session of the evaluated workshop starting in 20 minutes (the demo district keeps UTC), run by the facilitator persona. */
async function scheduleSoon(staff: DemoLaunch, activity = WORKSHOP): Promise<{ id: string; startsAt: Date }> {
  const { page } = staff;
  await staff.open('/sessions');
  await click(page, 'Schedule a session', 'link');
  const startsAt = new Date(Math.floor((Date.now() + 20 * MINUTE) / MINUTE) * MINUTE);
  await page.selectOption('#activityId', { label: activity });
  await page.fill('#startsAt', utcToWallTime(startsAt, 'UTC'));
  await page.fill('#endsAt', utcToWallTime(new Date(startsAt.getTime() + 120 * MINUTE), 'UTC'));
  await page.fill('#place', 'Lincoln Elementary, room 12');
  await page.getByLabel('Dana Brooks').check();
  await page.fill('#seatLimit', '10');
  await checkPage(page);
  await click(page, 'Save session');
  expect(await page.textContent('main')).toContain('The session was scheduled');
  return { id: /\/sessions\/([a-f0-9]{24})/.exec(page.url())![1]!, startsAt };
}

async function answerEvaluation(page: Page): Promise<void> {
  for (const question of await page.locator('fieldset.question').all()) {
    const four = question.locator('input[value="4"]');
    await ((await four.count()) ? four : question.locator('input').first()).check();
  }
  await page.locator('textarea').first().fill('The whiteboard routine works with my Year 7s.');
}

test('the demo page offers the facilitator on both platforms, landing inside the LMS frame', async () => {
  const page = await (await newContext(demo.browser())).newPage();
  await page.goto(`${demo.url()}/demo`);
  expect(await page.locator('a', { hasText: 'Launch as facilitator' }).count()).toBe(2);
  for (const flavor of ['canvas', 'moodle']) {
    await page.goto(`${demo.url()}/demo`);
    await page.locator(`section:has(h2[id="plat-${flavor}"]) a`, { hasText: 'Launch as facilitator' }).click();
    const frame = (await (await page.waitForSelector('iframe.lms-frame')).contentFrame())!;
    await frame.waitForSelector('main h1');
    expect(await frame.textContent('main')).toContain('Signed in as Dana Brooks');
    await checkPage(frame);
    await screenshot(page, `sessions-facilitator-launch-${flavor}`);
  }
});

test('the demo seeds a full session with a waitlist, an online one and a past one awaiting attendance', async () => {
  const facilitator = await demo.launch('facilitator', { flavor: 'moodle' });
  const { page } = facilitator;
  expect(await page.textContent('main')).toContain('Attendance to take'); // the facilitator's home: the past workshop
  await facilitator.open('/sessions');
  const upcoming = await page.textContent('main');
  expect(upcoming).toContain('Full');
  expect(upcoming).toContain('Online PLC: Inclusive Classrooms');
  expect(upcoming).toContain('Online');
  await checkPage(page);
  await screenshot(page, 'sessions-seeded-upcoming');
  await click(page, 'Past sessions', 'link');
  await click(page, WORKSHOP, 'link');
  await click(page, 'Roster and attendance', 'link');
  expect(await page.textContent('main')).toContain('Jordan Lee');
  expect(await page.locator('input[name="present"]:checked').count()).toBe(0);
  await checkPage(page);
  await screenshot(page, 'sessions-seeded-past-roster');
});

test.each(['canvas', 'moodle'] as const)('on %s a teacher registers, gets the invite, signs in with the code, evaluates and sees the activity done; PD staff see it all', async (flavor) => {
  const staff = await demo.launch('staff', { flavor });
  const { id, startsAt } = await scheduleSoon(staff);

  // The teacher, on a phone: finds the session and registers into a goal.
  const teacher = await demo.launch('teacher', { flavor, mobile: true });
  const t = teacher.page;
  const planPath = await planWithGoal(teacher);
  await followLink(t, 'Sessions');
  await checkPage(t, true);
  await Promise.all([t.waitForLoadState('load'), t.locator(`a[href*="/sessions/${id}"]`).click()]);
  await t.waitForSelector('main h1');
  expect(await t.textContent('main h1')).toContain(WORKSHOP);
  await checkPage(t, true);
  await t.selectOption('#goalId', { index: 1 });
  await click(t, 'Register');
  expect(await t.textContent('main')).toContain('You are registered');
  await checkPage(t, true);
  await screenshot(t, `sessions-registered-${flavor}`);

  const [download] = await Promise.all([t.waitForEvent('download'), t.getByRole('link', { name: 'Add to my calendar (.ics)' }).click()]);
  const ics = fs.readFileSync((await download.path())!, 'utf8').replace(/\r\n[ \t]/g, '');
  expect(ics).toContain('METHOD:PUBLISH');
  expect(ics).toContain(`UID:pd-session-${id}@`);
  expect(ics).toContain(`SUMMARY:${WORKSHOP}`);
  expect(ics).toContain(`DTSTART:${startsAt.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`);
  expect(ics).toContain('LOCATION:Lincoln Elementary\\, room 12');
  expect(ics).toContain('STATUS:CONFIRMED');

  // The facilitator opens the roster and shows the sign-in code.
  const facilitator = await demo.launch('facilitator', { flavor });
  const f = facilitator.page;
  await facilitator.open(`/sessions/${id}`);
  await click(f, 'Roster and attendance', 'link');
  expect(await f.textContent('main')).toContain('Maya Patel');
  const code = (await f.textContent('.sign-in-code'))!.trim();
  expect(code).toMatch(/^[A-Z2-9]{6}$/);
  await checkPage(f);
  await screenshot(f, `sessions-roster-code-${flavor}`);

  // The teacher signs in with it and answers the evaluation; the activity is done in the plan.
  await teacher.open(`/sessions/${id}`);
  await t.fill('#code', code.toLowerCase());
  await click(t, 'Sign in');
  expect(await t.textContent('main')).toContain('once you send its evaluation');
  await checkPage(t, true);
  await click(t, 'Evaluate this session', 'link');
  await checkPage(t, true);
  await answerEvaluation(t);
  await screenshot(t, `sessions-evaluation-${flavor}`);
  await click(t, 'Send my evaluation');
  expect(await t.textContent('main')).toContain('now marked done in your plan');
  await checkPage(t, true);
  await teacher.open(planPath);
  const card = t.locator('.activity-card', { hasText: WORKSHOP });
  expect(await card.textContent()).toContain('Done');
  expect(await card.textContent()).toContain('session attendance');
  await checkPage(t, true);
  await screenshot(t, `sessions-plan-done-${flavor}`);

  // PD staff: the roster with attendance, a seeded waitlist, and the evaluation results.
  const s = staff.page;
  await staff.open(`/sessions/${id}/roster`);
  const roster = await s.textContent('main');
  expect(roster).toContain('Credited');
  expect(roster).toContain('signed in with the code');
  await checkPage(s);
  await staff.open('/sessions');
  await Promise.all([s.waitForLoadState('load'), s.locator('li.card', { hasText: 'Full' }).getByRole('link').click()]);
  await s.waitForSelector('main h1');
  await click(s, 'Roster and attendance', 'link');
  expect(await s.textContent('#waitlist-heading')).toBe('Waitlist (1)');
  expect(await s.textContent('main')).toContain('Jordan Lee');
  await checkPage(s);
  await screenshot(s, `sessions-waitlist-${flavor}`);
  await staff.open(`/evaluations/sessions/${id}/results`);
  const results = await s.textContent('main');
  expect(results).toContain('Response rate');
  expect(results).toContain('The whiteboard routine works with my Year 7s.');
  await checkPage(s);
  await screenshot(s, `sessions-results-${flavor}`);
  expect([...staff.errors, ...teacher.errors, ...facilitator.errors]).toEqual([]);
});

test('over the district’s approval limit the seat is held; PD staff approve it from their queue, on desktop and at 390 px', async () => {
  const SUMMIT = 'Regional EdTech Summit'; // $425 in the sample catalog
  const staff = await demo.launch('staff');
  const s = staff.page;
  await staff.open('/policy');
  await s.fill('#registrationApprovalAbove', '300');
  await click(s, 'Save policy');
  expect(await s.textContent('main')).toContain('The policy was saved');
  const { id } = await scheduleSoon(staff, SUMMIT);

  const teacher = await demo.launch('teacher', { mobile: true });
  const t = teacher.page;
  if (await t.getByRole('button', { name: 'Create my plan' }).count()) await planWithGoal(teacher);
  await teacher.open(`/sessions/${id}`);
  if (await t.getByRole('link', { name: 'Open my plan to add a goal' }).count()) {
    // The goal of the first test completed with its session: a completed goal takes no more activities.
    expect(await t.textContent('main')).toContain('Your goals are all completed, and a completed goal takes no more activities');
    await followLink(t, 'Open my plan to add a goal');
    await addGoal(teacher);
    await teacher.open(`/sessions/${id}`);
  }
  expect(await t.textContent('main')).toContain('more than the $300.00 your district lets you register for without approval');
  await t.selectOption('#goalId', { index: 1 });
  await click(t, 'Register and ask for approval');
  expect(await t.textContent('main')).toContain('Your seat is held while your approver decides');
  expect(await t.getByRole('link', { name: 'Add to my calendar (.ics)' }).count()).toBe(0);
  await checkPage(t, true);
  await screenshot(t, 'sessions-awaiting-approval-teacher');

  await staff.open('/session-approvals');
  expect(await s.textContent('main')).toContain(SUMMIT);
  await checkPage(s);
  await screenshot(s, 'sessions-approvals-desktop');
  const phone = await demo.launch('staff', { mobile: true });
  await phone.open('/session-approvals');
  await checkPage(phone.page, true);
  await screenshot(phone.page, 'sessions-approvals-phone');

  const request = s.locator('li.card', { hasText: SUMMIT });
  await request.getByLabel('Comment for the teacher (optional)').fill('Approved from the conference budget.');
  await Promise.all([s.waitForLoadState('load'), request.getByRole('button', { name: /^Approve/ }).click()]);
  await s.waitForSelector('main h1');
  expect(await s.textContent('main')).toContain('Approved: the teacher is registered');
  await checkPage(s);

  await teacher.open(`/sessions/${id}`);
  expect(await t.textContent('main')).toContain('You are registered');
  expect(await t.textContent('main')).toContain('Approved from the conference budget.');
  await checkPage(t, true);
  await screenshot(t, 'sessions-approved-teacher');
  expect([...staff.errors, ...teacher.errors, ...phone.errors]).toEqual([]);
});

test('a teacher registers from the activity in their plan, at 390 px: the plan links its sessions, the goal is preselected, the plan then shows the seat', async () => {
  const PLC = 'Online PLC: Inclusive Classrooms'; // the demo's online session of it has seats
  const teacher = await demo.launch('teacher', { flavor: 'moodle', mobile: true });
  const t = teacher.page;
  await teacher.open('/plan');
  // A goal of its own: an earlier test may have completed the teacher's first goal.
  let planPath = new URL(t.url()).pathname;
  if (await t.getByRole('button', { name: 'Create my plan' }).count()) planPath = await planWithGoal(teacher);
  else await addGoal(teacher);
  const goalId = /\/goals\/([a-f0-9]{24})\//.exec(t.url())![1]!;
  await t.fill('#q', 'Inclusive');
  await t.selectOption('#competency', '');
  await click(t, 'Search');
  await click(t, `Add ${PLC} to this goal`);
  await teacher.open(planPath);
  const card = t.locator('.activity-card', { hasText: PLC });
  await checkPage(t, true);
  await screenshot(t, 'sessions-from-plan-link');
  await Promise.all([t.waitForLoadState('load'), card.getByRole('link', { name: /^Register for (its|a) session/ }).click()]);
  await t.waitForSelector('main h1');
  expect(await t.textContent('main')).toContain('For your goal');
  await checkPage(t, true);
  await Promise.all([t.waitForLoadState('load'), t.locator('main a[href*="/sessions/"][href*="goal="]').first().click()]);
  await t.waitForSelector('main h1');
  expect(await t.textContent('main h1')).toContain(PLC);
  expect(await t.locator('#goalId').inputValue()).toBe(goalId);
  await click(t, 'Register');
  expect(await t.textContent('main')).toContain('You are registered');
  await teacher.open(planPath);
  expect(await t.locator('.activity-card', { hasText: PLC }).getByRole('link', { name: /^Registered for the session on/ }).count()).toBe(1);
  expect(await t.locator('.activity-card', { hasText: PLC }).count()).toBe(1);
  await checkPage(t, true);
  await screenshot(t, 'sessions-from-plan-registered');
  expect(teacher.errors).toEqual([]);
});
