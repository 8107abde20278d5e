import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = async (as: string, opts: { mobile?: boolean } = {}) => (await demo.launch(as, opts)).page;

test('a teacher builds a plan in the browser: accessible pages, live totals while typing', async () => {
  const page = await launched('teacher');
  await Promise.all([page.waitForURL(/\/plans\//), page.getByRole('button', { name: 'Create my plan' }).first().click()]);
  expect(await page.textContent('main h1')).toBe('My PD plan');
  expect(await axeViolations(page)).toEqual([]);
  await followLink(page, 'Add a goal');
  await page.fill('#statement', 'Plan each unit backwards from what students should be able to do');
  await page.selectOption('#competency', 'PLAN1');
  await page.selectOption('#targetLevel', '3');
  await page.fill('#measure', 'Three units planned backwards and reviewed with my coach');
  await page.fill('#targetDate', new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForURL(/activities\/new/), page.getByRole('button', { name: 'Save goal' }).click()]);
  expect(await axeViolations(page)).toEqual([]);
  await page.fill('.custom-activity #hours', '400');
  await page.fill('.custom-activity #cost', '100');
  expect(await page.textContent('[data-projection]')).toContain('over the hours cap');
  await page.fill('.custom-activity #hours', '50');
  expect(await page.textContent('[data-projection]')).toContain('within your caps');
  await screenshot(page, 'plans-add-activity');
});

test('an approved plan under way reads well on a phone, with its goal page', async () => {
  const page = await launched('coach', { mobile: true });
  await followLink(page, 'Jordan Lee');
  expect(await page.textContent('main')).toContain('Active');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'plans-plan-phone');
  await followLink(page, /^Open goal/);
  expect(await page.textContent('main')).toContain('Hinge questions show me who is lost');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'plans-goal-phone');
});

test('the coach sees the caseload with plan progress and opens a teacher\'s plan', async () => {
  const page = await launched('coach');
  expect(await page.textContent('main')).toContain("Your teachers' plans");
  expect(await axeViolations(page)).toEqual([]);
  await followLink(page, 'Jordan Lee');
  expect(await page.textContent('main h1')).toBe('PD plan of Jordan Lee');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'plans-coach-view');
});
