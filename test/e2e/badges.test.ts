import type { Page } from 'playwright-core';
import * as credentials from '../../src/credentials/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { demoRoster } from '../../src/demo/platform';
import { axeViolations, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = (as: 'teacher' | 'staff', opts: { mobile?: boolean; kind?: 'placement' } = {}) => demo.launch(as, opts);

const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

/** The demo teacher earns the sample micro-credential badge, as finishing its activity would award it. */
async function earnSampleBadge(): Promise<string> {
  const tenant = (await tenants.findTenant(`${demo.url()}/demo/canvas`, '10000000000042'))!;
  const teacher = (await users.findBySub(tenant._id, demoRoster('canvas').users.teacher!.sub))!;
  const achievement = (await credentials.listAchievements(tenant._id)).find((a) => a.name === 'Checking for Understanding')!;
  const { credential } = await credentials.award(tenant._id, { achievementId: String(achievement._id), userId: String(teacher._id), source: { kind: 'manual' } });
  return `${demo.url()}/ob/${tenant._id}/credentials/${credential!.publicId}`;
}

test('PD staff pages for badges, gradebook links and the outbox, and the placement picker, are accessible', async () => {
  const staff = await launched('staff');
  for (const path of ['/achievements', '/achievements/new', '/issuer', '/outbox', '/gradebook']) {
    await staff.open(path);
    expect({ path, violations: await axeViolations(staff.page) }).toEqual({ path, violations: [] });
  }
  await staff.open('/achievements');
  await staff.page.click('text=Checking for Understanding');
  await staff.page.waitForSelector('text=Criteria');
  expect(await axeViolations(staff.page)).toEqual([]);

  const picker = await launched('staff', { kind: 'placement' });
  expect(await picker.page.textContent('main h1')).toContain('Add PD Pathways to your course');
  expect(await axeViolations(picker.page)).toEqual([]);
});

test('a teacher shares a badge from the wall; the public verify page reads well on a phone', async () => {
  const verifyUrl = await earnSampleBadge();
  const teacher = await launched('teacher', { mobile: true });
  await teacher.open('/badges');
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  expect(await teacher.page.inputValue('input.share-url')).toBe(verifyUrl);
  await teacher.page.click('button.copy-link');
  await teacher.page.waitForSelector('button.copy-link:has-text("Copied")');
  await screenshot(teacher.page, 'badge-wall-phone');
  // The name is private until the teacher chooses to show it.
  await teacher.page.check('input[name="share"][value="name"]');
  await teacher.page.click('form[action$="/sharing"] button[type="submit"]');
  await teacher.page.waitForSelector('text=Done: the badge’s verify page now shows your name.');

  await teacher.page.goto(verifyUrl);
  await teacher.page.waitForSelector('text=Verified');
  expect(await teacher.page.textContent('main')).toContain('Awarded to Maya Patel');
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  await screenshot(teacher.page, 'badge-verify-phone');
});
