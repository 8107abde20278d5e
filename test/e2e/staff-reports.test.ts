import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = (as: string, opts: { mobile?: boolean; flavor?: 'canvas' | 'moodle' } = {}) => demo.launch(as, opts);

test('PD staff open the reports: every chart is drawn, the page passes axe (WCAG 2.1 AA) and nothing errors', async () => {
  const { page, errors } = await launched('staff');
  expect(await page.textContent('main')).toContain('District at a glance');
  await followLink(page, 'Open the reports');
  expect(await page.textContent('main h1')).toBe('Reports');
  await page.waitForFunction('document.querySelectorAll("canvas").length > 0 && Array.from(document.querySelectorAll("canvas")).every((c) => window.Chart && window.Chart.getChart(c))');
  const drawn = (await page.evaluate('Array.from(document.querySelectorAll("canvas")).map((c) => [c.id, c.width > 0 && c.height > 0])')) as [string, boolean][];
  expect(drawn.map(([id]) => id)).toEqual(expect.arrayContaining(['chart-participation', 'chart-caps', 'chart-sources']));
  expect(drawn.every(([, ok]) => ok)).toBe(true);
  expect(await page.textContent('#participation table')).toContain('Formative Assessment Essentials');
  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
  await screenshot(page, 'reports');

  const lincoln = (await page.$$eval('#group option', (options) => options.map((o) => [o.textContent, o.getAttribute('value')]))) as [string, string][];
  await page.selectOption('#group', lincoln.find(([label]) => label === 'Lincoln Elementary')![1]);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Apply filters' }).click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('#schools table')).toContain('Lincoln Elementary');
  expect(await page.textContent('#schools table')).not.toContain('Roosevelt Middle');
  expect(await page.textContent('#participation')).toContain('Nobody joined a pathway in this period.');
  expect(errors).toEqual([]);
});

test('PD staff pathway pages, assignment and the district approval overview are accessible, on a phone too', async () => {
  const { page, open, errors } = await launched('staff', { flavor: 'moodle' });
  await followLink(page, /^Pathways$/);
  expect(await page.textContent('main')).toContain('Formative Assessment Essentials');
  expect(await axeViolations(page)).toEqual([]);
  await followLink(page, 'Formative Assessment Essentials');
  expect(await page.textContent('main')).toContain('Complete every required step');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'pathway-staff');
  await followLink(page, 'Assign');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'pathway-assign');
  await open('/pathways/new');
  expect(await axeViolations(page)).toEqual([]);
  await open('/reports/approvals');
  expect(await page.textContent('main h1')).toBe('Approvals across the district');
  expect(await axeViolations(page)).toEqual([]);
  await open('/groups');
  expect(await axeViolations(page)).toEqual([]);
  await open('/policy');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'district-policy');
  expect(errors).toEqual([]);

  const phone = await launched('staff', { mobile: true });
  await phone.open('/reports');
  expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(phone.page, 'reports-phone');
});

test('someone assigned a pathway sees it in My pathways with its steps; a teacher joins an open pathway from its page', async () => {
  const assigned = await launched('coach');
  await followLink(assigned.page, 'My pathways');
  expect(await assigned.page.textContent('main')).toContain('Formative Assessment Essentials');
  expect(await assigned.page.textContent('main')).toContain('Wait Time and No-Hands-Up Questioning');
  expect(await axeViolations(assigned.page)).toEqual([]);
  await screenshot(assigned.page, 'my-pathways');
  const { page, errors } = await launched('teacher');
  await followLink(page, 'My pathways');
  await followLink(page, 'Browse pathways');
  await followLink(page, 'Sustainable Teaching');
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForURL(/\/pathways\/mine/), page.getByRole('button', { name: 'Add to my plan' }).click()]);
  expect(await page.textContent('main')).toContain('You added it');
  expect(errors).toEqual([]);
});
