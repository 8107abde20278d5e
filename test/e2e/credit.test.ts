import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

test('a teacher sees renewal progress on their home, opens the transcript and downloads its PDF and a certificate', async () => {
  const { page, open, errors } = await demo.launch('teacher');
  await open('/dashboard');
  expect(await page.textContent('main')).toContain('Licence renewal: State licence renewal');
  expect(await axeViolations(page)).toEqual([]);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'My transcript' }).last().click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main h1')).toBe('My transcript');
  expect(await page.textContent('main')).toContain('14 Clock hours, 1.4 CEUs');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'credit-transcript');
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as PDF' }).click()]);
  expect(pdf.suggestedFilename()).toBe('transcript-maya-patel.pdf');
  const [certificate] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^PDF certificate for/ }).first().click()]);
  expect(certificate.suggestedFilename()).toBe('certificate.pdf');
  expect(errors).toEqual([]);
});

test('PD staff pages for credit and renewals are accessible (on a phone-sized screen)', async () => {
  const { page, open, errors } = await demo.launch('staff', { mobile: true });
  await open('/staff');
  await followLink(page, 'Credit and renewal');
  expect(await page.textContent('main h1')).toBe('Credit and renewal');
  expect(await page.textContent('main')).toContain('State licence renewal');
  await screenshot(page, 'credit-settings-phone');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('link', { name: /^Set credit for/ }).first().click();
  await page.waitForSelector('main h1');
  expect(await page.textContent('main h1')).toMatch(/^Credit for /);
  expect(await axeViolations(page)).toEqual([]);
  await open('/credit/renewals');
  expect(await page.textContent('main')).toContain('Maya Patel');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'credit-renewals-phone');
  expect(errors).toEqual([]);
});
