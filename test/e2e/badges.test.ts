import { Types } from 'mongoose';
import type { Page } from 'playwright-core';
import * as credentials from '../../src/credentials/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { demoRoster } from '../../src/demo/platform';
import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = (as: 'teacher' | 'staff', opts: { mobile?: boolean; kind?: 'placement' } = {}) => demo.launch(as, opts);

const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

const LONG_NAME = 'Culturally Responsive Teaching in Multilingual Classrooms: Designing Assessment for Learning Across the Content Areas';

/** The demo teacher earns the sample micro-credential badge, as finishing its activity would award it, and one with a long name. */
async function earnSampleBadge(): Promise<string> {
  const tenant = (await tenants.findTenant(`${demo.url()}/demo/canvas`, '10000000000042'))!;
  const teacher = (await users.findBySub(tenant._id, demoRoster('canvas').users.teacher!.sub))!;
  const achievement = (await credentials.listAchievements(tenant._id)).find((a) => a.name === 'Checking for Understanding')!;
  const { credential } = await credentials.award(tenant._id, { achievementId: String(achievement._id), userId: String(teacher._id), source: { kind: 'manual' } });
  const long = await credentials.createAchievement(
    tenant._id,
    await credentials.validateAchievement(tenant._id, { name: LONG_NAME, description: 'Designs assessment that builds on every student’s languages and cultures.', criteria: 'Plan, teach and reflect on a unit whose assessments draw on students’ home languages, with a coach’s observation and a written reflection of at least 500 words shared with colleagues.', color: '#7a1f5c' }),
    undefined,
    { userId: new Types.ObjectId(), name: 'PD lead' },
  );
  const { credential: revoked } = await credentials.award(tenant._id, { achievementId: String(long._id), userId: String(teacher._id), source: { kind: 'manual' } });
  await credentials.revoke(tenant._id, revoked!._id, { reason: 'Awarded before the observation was done' }, { userId: new Types.ObjectId(), name: 'PD lead' });
  return `${demo.url()}/ob/${tenant._id}/credentials/${credential!.publicId}`;
}

/** Every badge image on the page is drawn or loaded whole (no broken image), and none overflows its card. */
async function imagesWhole(page: Page) {
  return page.evaluate(`[...document.querySelectorAll('.badge-card img')].filter((i) => i.getAttribute('loading') !== 'lazy').map((i) => ({ src: i.src, ok: i.complete && i.naturalWidth > 0, fits: i.getBoundingClientRect().right <= i.closest('.badge-card').getBoundingClientRect().right + 0.5 })).filter((i) => !i.ok || !i.fits)`);
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

test('a teacher shares a badge from the wall; the wall, the public verify page and the issuer’s page read well on a phone and a desktop', async () => {
  const verifyUrl = await earnSampleBadge();
  const teacher = await launched('teacher', { mobile: true });
  await teacher.open('/badges');
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  expect(await teacher.page.textContent('main')).toContain(LONG_NAME);
  await screenshot(teacher.page, 'badge-wall-phone');
  // The share actions sit behind "Share or download", and say whether the page they lead to shows the name.
  const card = teacher.page.locator('.badge-card', { hasText: 'Checking for Understanding' });
  await card.locator('summary').click();
  expect(await card.locator('.share-scope').textContent()).toContain('does not show your name');
  expect(await card.locator('input.share-url').first().inputValue()).toBe(verifyUrl);
  await card.locator('button.copy-link').first().click();
  await card.locator('button.copy-link:has-text("Copied")').waitFor();
  await card.locator('img.qr').waitFor();
  expect(await imagesWhole(teacher.page)).toEqual([]);
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  await screenshot(teacher.page, 'badge-wall-share-phone');
  // The name is private until the teacher chooses to show it.
  await card.locator('input[name="share"][value="name"]').check();
  await card.locator('form[action$="/sharing"] button[type="submit"]').click();
  await teacher.page.waitForSelector('text=Done: the badge’s public page now shows your name.');
  expect(await teacher.page.locator('.badge-card', { hasText: 'Checking for Understanding' }).locator('.share-scope').textContent()).toContain('which shows your name');

  await teacher.page.goto(verifyUrl);
  await teacher.page.waitForSelector('text=Verified');
  expect(await teacher.page.textContent('main')).toContain('Awarded to Maya Patel');
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  await screenshot(teacher.page, 'badge-verify-phone');

  await followLink(teacher.page, /All badges from/);
  expect(await teacher.page.textContent('main h1')).toContain('Badges from');
  expect(await teacher.page.locator('.badge-card', { hasText: LONG_NAME }).textContent()).toContain('Not awarded yet');
  expect(await imagesWhole(teacher.page)).toEqual([]);
  expect(await axeViolations(teacher.page)).toEqual([]);
  expect(await pageWidth(teacher.page)).toBeLessThanOrEqual(390);
  await screenshot(teacher.page, 'badge-issuer-phone');

  const desktop = await launched('teacher');
  await desktop.open('/badges');
  expect(await desktop.page.locator('.badge-card', { hasText: LONG_NAME }).textContent()).toContain('Awarded before the observation was done');
  expect(await axeViolations(desktop.page)).toEqual([]);
  await screenshot(desktop.page, 'badge-wall-desktop');
  await desktop.page.goto(verifyUrl);
  await desktop.page.waitForSelector('text=Verified');
  expect(await axeViolations(desktop.page)).toEqual([]);
  await followLink(desktop.page, /All badges from/);
  expect(await axeViolations(desktop.page)).toEqual([]);
  await screenshot(desktop.page, 'badge-issuer-desktop');
});
