import type { Page } from 'playwright-core';
import { axeViolations, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = (as: 'teacher' | 'coach' | 'staff', opts: { mobile?: boolean } = {}) => demo.launch(as, opts);

const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

test('a teacher completes the needs assessment with the keyboard and reads explained recommendations', async () => {
  const { page, open } = await launched('teacher');
  await open('/assessment');
  expect(await axeViolations(page)).toEqual([]);
  // Arrow keys move between the level radios of one competency, as in any radio group.
  await page.focus('[id="level.PLAN1-1"]');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  expect(await page.isChecked('[id="level.PLAN1-2"]')).toBe(true);
  for (const code of ['PLAN2', 'INST1', 'INST2', 'INST3', 'ASMT2', 'ASMT3', 'ENV1', 'ENV2', 'GROW1', 'GROW2']) await page.check(`[id="level.${code}-3"]`);
  await page.check('[id="level.ASMT1-1"]');
  await page.check('input[name="interests"][value="ASMT1"]');
  await page.check('input[name="modes"][value="online"]');
  await page.fill('#hoursPerMonth', '4');
  await page.fill('#notes', 'Want to try exit tickets.');
  await page.focus('#notes');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('text=Saved on');
  expect(await axeViolations(page)).toEqual([]);
  await page.click('text=See your recommendations');
  await page.waitForSelector('h2#rec-ASMT1');
  const text = await page.textContent('main');
  expect(text).toContain('but none fits: 2 are not in the formats you chose (online; any timing)');
  expect(text).toContain('Designing Units Backward from Evidence');
  expect(text).toContain('online, self-paced');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'recommendations');
  // Add as goal (or start the plan with it, or propose it on an approved plan): the page confirms with a link.
  await page.focus('li:has(h2#rec-ASMT1) button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[role="status"]');
  expect(await page.textContent('[role="status"]')).toMatch(/(Added|You proposed) the goal “Grow in Formative assessment/);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'recommendation-added');
});

test('on a phone the assessment, recommendations and catalog fit the screen', async () => {
  const { page, open } = await launched('teacher', { mobile: true });
  for (const path of ['/assessment', '/recommendations', '/catalog', '/frameworks']) {
    await open(path);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    if (path === '/recommendations') await screenshot(page, 'recommendations-phone');
  }
  await screenshot(page, 'framework-phone');
});

test('PD staff pages (framework editor, catalog, activity form) and the coach observation form are accessible', async () => {
  const staff = await launched('staff');
  await staff.open('/frameworks');
  const editHref = await staff.page.getAttribute('a:has-text("Edit")', 'href');
  for (const path of [editHref!.replace(/\?.*/, ''), '/frameworks/import', '/catalog?mode=online', '/catalog/new']) {
    await staff.open(path);
    expect({ path, violations: await axeViolations(staff.page) }).toEqual({ path, violations: [] });
  }
  await screenshot(staff.page, 'activity-form');
  const coach = await launched('coach');
  await coach.page.click('text=Record observation');
  await coach.page.waitForSelector('text=Date of the observation');
  expect(await axeViolations(coach.page)).toEqual([]);
});
