import { axeViolations, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

test('the record offers a PDF and a print view that opens in its own tab, printable and accessible', async () => {
  const { page, open, errors } = await demo.launch('teacher');
  await open('/my-record');
  expect(await page.textContent('main h1')).toBe('My PD record');
  expect(await axeViolations(page)).toEqual([]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as PDF' }).click()]);
  expect(download.suggestedFilename()).toBe('pd-record.pdf');

  const [printView] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: /Print view/ }).click()]);
  await printView.waitForSelector('main h1');
  expect(await printView.textContent('main h1')).toBe('PD record');
  expect(new URL(printView.url()).searchParams.has('ltik')).toBe(false);
  expect(await printView.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);
  expect(await printView.textContent('main')).toContain('Completed PD by year');
  expect(await axeViolations(printView)).toEqual([]);
  await printView.emulateMedia({ media: 'print' });
  expect(await printView.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
  await screenshot(printView, 'record-print-view');
  expect(errors).toEqual([]);
});

test('the deletion page says what goes and what the district keeps, readable on a phone', async () => {
  const { page, open } = await demo.launch('teacher', { mobile: true });
  await open('/my-data/delete');
  expect(await page.textContent('main')).toContain('is a district record');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'delete-my-data-phone');
});
