import { deliverDue } from '../../src/outbox/service';
import { axeViolations, newContext, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

// The emails a newcomer reads in the demo, and the pages an email leads to, in Chromium with axe.

test.each([
  ['desktop', false],
  ['phone', true],
] as const)('a teacher chooses their emails on the preferences page (%s)', async (name, mobile) => {
  const { page, open, errors } = await demo.launch('teacher', { mobile });
  await open('/notifications');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'Email preferences' }).click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main h1')).toBe('Email preferences');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel('Milestones and assignments').check();
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save email preferences' }).click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main [role=status]')).toContain('Your email preferences were saved');
  expect(await page.getByLabel('Milestones and assignments').isChecked()).toBe(true);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, `email-preferences-${name}`);
  expect(errors).toEqual([]);
});

test.each([
  ['desktop', false],
  ['phone', true],
] as const)('/demo/mail lists what the demo sent and shows one email, whose unsubscribe link asks first (%s)', async (name, mobile) => {
  await deliverDue(); // the outbox worker's run: the demo seed's notices go out as email
  const page = await (await newContext(demo.browser(), { mobile })).newPage();
  await page.goto(`${demo.url()}/demo/mail`);
  expect(await page.textContent('main h1')).toBe('Email the demo sent');
  expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, `demo-mail-${name}`);

  await Promise.all([page.waitForLoadState('load'), page.locator('tbody a').first().click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main')).toContain('List-Unsubscribe-Post');
  expect(await page.textContent('pre.mail-text')).toContain('Stop these emails: ');
  const html = (await (await page.waitForSelector('iframe.mail-html')).contentFrame())!;
  await html.waitForSelector('p');
  expect(await html.textContent('body')).toContain('Stop these emails');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, `demo-mail-message-${name}`);

  const unsubscribe = /Stop these emails: (\S+)/.exec((await page.textContent('pre.mail-text'))!)![1]!;
  await page.goto(unsubscribe);
  expect(await page.textContent('main h1')).toBe('Stop these emails');
  expect(await axeViolations(page)).toEqual([]);
  await page.goBack();
  const open = /Open it in PD Pathways: (\S+)/.exec((await page.textContent('pre.mail-text'))!)![1]!;
  await page.goto(open);
  expect(await page.textContent('main h1')).toBe('Open PD Pathways from your LMS');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, `email-open-${name}`);
});

test('PD staff choose which emails copy managers, on the email settings page (phone)', async () => {
  const { page, open, errors } = await demo.launch('staff', { mobile: true });
  await open('/email/settings');
  expect(await page.textContent('main h1')).toBe('Email settings');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel('Decisions on my plan').check();
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save email settings' }).click()]);
  await page.waitForSelector('main h1');
  expect(await page.textContent('main [role=status]')).toContain('The email settings were saved');
  expect(await page.getByLabel('Decisions on my plan').isChecked()).toBe(true);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'email-settings-phone');
  expect(errors).toEqual([]);
});
