import path from 'node:path';
import type { Page } from 'playwright-core';
import { axeViolations, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();
const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
const sample = path.join(__dirname, '../../samples/case-teaching-standards.json');

// PD staff on a phone: the import page, a refused CASE package with its errors, then the sample imported.

test('on a phone PD staff import a CASE package: a bad one lists its errors, the sample imports', async () => {
  const { page, open, errors } = await demo.launch('staff', { mobile: true });
  await open('/frameworks/import');
  expect(await page.textContent('main h1')).toBe('Import a framework');
  expect(await axeViolations(page)).toEqual([]);
  expect(await pageWidth(page)).toBeLessThanOrEqual(390);

  await page.getByLabel('Or paste the JSON or CASE package').fill('{"CFDocument": {"identifier": "nope", "title": "Draft"}, "CFItems": [], "CFAssociations": []}');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Import' }).click()]);
  await page.waitForSelector('[role=alert]');
  const alert = (await page.textContent('[role=alert]'))!;
  expect(alert).toContain('The CASE package has problems; nothing was saved.');
  expect(alert).toContain('CFDocument, identifier: The CFDocument identifier must be a UUID');
  expect(await page.inputValue('#json')).toContain('"title": "Draft"');
  expect(await axeViolations(page)).toEqual([]);
  expect(await pageWidth(page)).toBeLessThanOrEqual(390);
  await screenshot(page, 'framework-case-import-errors-phone');

  await page.setInputFiles('#file', sample);
  await page.getByLabel('Or paste the JSON or CASE package').fill('');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Import' }).click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main h1')).toContain('Northfield Teaching Standards');
  expect(await page.textContent('main')).toContain('Imported from CASE');
  expect(await axeViolations(page)).toEqual([]);
  expect(await pageWidth(page)).toBeLessThanOrEqual(390);
  await screenshot(page, 'framework-case-imported-phone');
  // The refused import answers 400 (the form shown again), which the console reports; nothing else.
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
});
