import { newContext, screenshot, useDemoInBrowser } from '../support/browser';

/**
 * Production cookies (`SameSite=None; Secure; Partitioned`) in Chromium, which blocks unpartitioned
 * third-party cookies: the LMS at http://localhost frames the tool at http://127.0.0.1, and the
 * partitioned state and session cookies still come back, so the launch takes the plain cookie path.
 */
const demo = useDemoInBrowser(['--test-third-party-cookie-phaseout'], { secure: true, sameSite: 'None', partitioned: true });

test.each([
  ['canvas', 'teacher', 'My PD plan'],
  ['moodle', 'staff', 'PD staff console'],
] as const)('%s: the framed launch as %s keeps its partitioned cookies and needs no fallback', async (flavor, as, heading) => {
  const page = await (await newContext(demo.browser())).newPage();
  const continued: number[] = [];
  page.on('response', (r) => new URL(r.url()).pathname === '/login/continue' && continued.push(r.status()));
  await page.goto(`${demo.url().replace('127.0.0.1', 'localhost')}/demo/${flavor}/course?as=${as}`);
  const frame = (await (await page.waitForSelector('iframe.lms-frame')).contentFrame())!;
  await frame.waitForSelector(`main h1:text-is("${heading}")`);
  // The state cookie came back at the cookie check: straight on to the LMS, no storage page, no new window.
  expect(continued).toEqual([302]);
  await Promise.all([frame.waitForNavigation(), frame.locator('nav a').first().click()]);
  await frame.waitForSelector('main h1');
  expect(await frame.textContent('main')).not.toContain('Please open PD Pathways');
  await screenshot(page, `cookies-partitioned-${flavor}-${as}`);
});
