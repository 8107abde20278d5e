import mongoose from 'mongoose';
import type { Page } from 'playwright-core';
import * as catalog from '../../src/catalog/service';
import * as plans from '../../src/plans/service';
import * as sessions from '../../src/sessions/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { axeViolations, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();
const DAY = 86_400_000;
const wall = (days: number, hhmm: string) => `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)}T${hhmm}`;

/** Elements of main wider than the phone, or scrolling sideways. */
const overflowing = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('main *')]
    .filter((e) => e.getBoundingClientRect().right > 391 || (e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)))
    .map((e) => e.tagName + '.' + e.className)`) as Promise<string[]>;

/** The demo coach facilitates a full session (one seat, someone waiting) and one under way; both teachers registered. */
async function facilitatedSessions(): Promise<{ full: string }> {
  const tenant = (await tenants.listTenants())[0]!;
  const find = async (name: string) => (await users.searchUsers(tenant._id, name))[0]!;
  const [coach, maya, jordan] = [await find('Sam Rivera'), await find('Maya Patel'), await find('Jordan Lee')];
  await users.changeGrant(tenant._id, [coach._id], { grant: 'facilitator', change: 'add' }, { userId: coach._id, name: coach.name });
  const activity = (await catalog.listActivities(tenant._id, { kind: 'workshop' })).find((a) => !a.certificateRequired)!;
  const by = { userId: coach._id, name: coach.name };
  const schedule = (days: number, seats: string) => sessions.createSession(tenant._id, { activityId: String(activity._id), startsAt: wall(days, '09:00'), endsAt: wall(days, '15:30'), place: 'Lincoln Elementary, library', seatLimit: seats, facilitatorIds: String(coach._id) }, tenant.policy.timeZone, by);
  const full = await schedule(12, '1');
  const today = await schedule(20, '5');
  for (const person of [maya, jordan]) {
    const plan = (await plans.currentPlan(tenant._id, person._id)) ?? (await plans.ensureDraftPlan(tenant._id, person._id, by));
    const goal = plan.goals[0] ?? (await plans.addGoal(tenant._id, plan._id, { statement: 'Use formative checks in every lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in four of five lessons', targetDate: wall(300, '00:00').slice(0, 10) }, { userId: person._id, name: person.name }));
    const who = { userId: person._id, name: person.name };
    for (const s of [full, today]) await sessions.register(tenant._id, s._id, tenant.policy, who, String(goal._id));
  }
  const start = Date.now() - 20 * 60_000;
  await mongoose.connection.db!.collection('pdsessions').updateOne({ _id: today._id }, { $set: { startsAt: new Date(start), endsAt: new Date(start + 3 * 3_600_000) } });
  return { full: String(full._id) };
}

test('on a phone the facilitator home leads with attendance to take, and the roster reads without side-scrolling', async () => {
  const launch = await demo.launch('coach', { mobile: true });
  const { full } = await facilitatedSessions();
  const page = await launch.open('/facilitator');
  const text = (await page.textContent('main'))!.replace(/\s+/g, ' ');
  expect(text).toContain('Attendance is still to take for 1 session');
  expect(text).toContain('1 of 1 seat taken · 1 person waiting');
  expect(await overflowing(page)).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'home-facilitator-phone');

  await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'Take attendance' }).click()]);
  expect(await page.locator('table.stack-table tbody tr').count()).toBe(2);
  expect(await overflowing(page)).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'roster-phone');

  await launch.open(`/sessions/${full}/roster`);
  expect(await overflowing(page)).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'roster-waitlist-phone');
  expect(launch.errors).toEqual([]);
});
