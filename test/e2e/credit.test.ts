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

test('PD staff find the stipend report, download it for payroll, and a reversed period is explained (desktop and phone)', async () => {
  const { page, open, errors } = await demo.launch('staff');
  await open('/staff');
  await followLink(page, 'Stipends');
  expect(await page.textContent('main h1')).toBe('Stipends');
  expect(await page.textContent('main')).toContain('Total for Jordan Lee');
  expect(await page.textContent('main')).toContain('$150.00');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'credit-stipends');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV for payroll' }).click()]);
  expect(csv.suggestedFilename()).toMatch(/^stipends-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const from = await page.inputValue('#from');
  await page.fill('#to', `${Number(from.slice(0, 4)) - 1}${from.slice(4)}`);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Show stipends' }).click()]);
  expect(await page.getByRole('alert').textContent()).toContain('Check the period; no report was made for it.');
  expect(await page.textContent('main')).toContain('The last day is before the first day');
  expect(await axeViolations(page)).toEqual([]);

  const phone = await demo.launch('staff', { mobile: true });
  await phone.open('/credit/stipends');
  expect(await phone.page.textContent('main')).toContain('Jordan Lee');
  expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await axeViolations(phone.page)).toEqual([]);
  await screenshot(phone.page, 'credit-stipends-phone');
  // The refused period answers 400 (the form shown again), which the console reports; nothing else.
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  expect(phone.errors).toEqual([]);
});
