import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

const launched = (opts: { mobile?: boolean } = {}) => demo.launch('staff', opts);

test('PD staff move through completion sync: console, ledger, event timeline, mappings and a source, all accessible', async () => {
  const { page, open, errors } = await launched();
  await followLink(page, /^Completion sync$/);
  expect(await page.textContent('main h1')).toBe('Completion sync');
  expect(await page.textContent('main')).toContain('Literacy Across the Content Areas (4307) — 1 waiting');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'completions-console');

  await followLink(page, /^Ledger$/);
  expect(await page.textContent('main table')).toContain('Riley Morgan');
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForLoadState('load'), page.locator('tr', { hasText: 'Riley Morgan' }).getByRole('link').click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main')).toContain('Person not known yet');
  expect(await page.textContent('main')).toContain('Timeline');
  expect(await axeViolations(page)).toEqual([]);

  await followLink(page, /^Course mappings$/);
  expect(await page.textContent('main')).toContain('Map this course');
  expect(await axeViolations(page)).toEqual([]);

  await open('/completions/sources/canvas-rest');
  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
}, 60000);

test('a CSV import shows its rows, then a progress bar the page keeps up to date until it finishes (on a phone)', async () => {
  const { page, open, errors } = await launched({ mobile: true });
  await open('/completions/import');
  expect(await axeViolations(page)).toEqual([]);
  const rows = Array.from({ length: 120 }, (_, i) => `learner${i}@district.example,4307,2025-05-0${(i % 9) + 1},3`);
  await page.setInputFiles('#file', { name: 'completions.csv', mimeType: 'text/csv', buffer: Buffer.from(`email,course_id,completed_on,hours\n${rows.join('\n')}\n`) });
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the file' }).click()]);
  expect(await page.textContent('main')).toContain('All 120 rows are valid');
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Import 120 completions' }).click()]);
  await page.waitForSelector('#import-progress');
  await page.waitForFunction('document.getElementById("import-text").textContent.startsWith("Finished")', undefined, { timeout: 20000 });
  expect(await page.textContent('#import-text')).toBe('Finished: 120 recorded, 0 already in the ledger.');
  expect(await page.getAttribute('#import-bar', 'value')).toBe('120');
  expect(await page.isVisible('#import-done a')).toBe(true);
  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
}, 60000);
