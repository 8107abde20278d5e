import type { Frame, Page } from 'playwright-core';
import { newContext, screenshot, useDemoInBrowser } from '../support/browser';

/**
 * The demo LMS opened as http://localhost frames the tool at http://127.0.0.1: another site, so the
 * tool's cookies are third-party in the frame, and Chromium blocks third-party cookies. The Canvas
 * demo offers platform storage; the Moodle demo has none, so the tool opens in a new window.
 */
const demo = useDemoInBrowser(['--test-third-party-cookie-phaseout']);
const lmsUrl = () => demo.url().replace('127.0.0.1', 'localhost');

async function toolFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe.lms-frame');
  return (await handle.contentFrame())!;
}

async function openCourse(flavor: 'canvas' | 'moodle', as: string) {
  const context = await newContext(demo.browser());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${lmsUrl()}/demo/${flavor}/course?as=${as}`);
  return { context, page, frame: await toolFrame(page), errors };
}

describe('third-party cookies blocked, tool framed by an LMS on another site', () => {
  test.each([
    ['teacher', 'My PD plan'],
    ['coach', 'Coaching caseload'],
    ['staff', 'PD staff console'],
  ])('Canvas: platform storage binds the launch in the frame as %s, and the tool keeps working there', async (as, heading) => {
    const { context, page, frame, errors } = await openCourse('canvas', as);
    await frame.waitForSelector(`main h1:text-is("${heading}")`);
    expect(frame.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // No tool cookie reached the frame: the state cookie was blocked, and so is the session cookie.
    const toolCookies = (await context.cookies(demo.url())).filter((c) => c.name.startsWith('state') || c.name.startsWith('lti'));
    expect(toolCookies).toEqual([]);
    // A second page in the frame still works on the ltik alone.
    await Promise.all([frame.waitForNavigation(), frame.locator('nav a').first().click()]);
    await frame.waitForSelector('main h1');
    expect(await frame.textContent('main')).not.toContain('Please open PD Pathways');
    expect(errors).toEqual([]);
    await screenshot(page, `cookies-blocked-canvas-${as}`);
    await context.close();
  });

  test.each([
    ['teacher', 'My PD plan'],
    ['staff', 'PD staff console'],
  ])('Moodle: the frame offers a new window, which signs %s in with a fresh login', async (as, heading) => {
    const { context, page, frame } = await openCourse('moodle', as);
    await frame.waitForSelector('main h1:text-is("Your browser blocked PD Pathways inside the LMS")');
    await screenshot(page, `cookies-blocked-moodle-${as}`);
    const [popup] = await Promise.all([context.waitForEvent('page'), frame.getByRole('link', { name: 'Open PD Pathways in a new window' }).click()]);
    await popup.waitForSelector(`main h1:text-is("${heading}")`);
    expect(new URL(popup.url()).searchParams.get('ltik')).toBeTruthy();
    await screenshot(popup, `cookies-blocked-moodle-${as}-window`);
    await context.close();
  });

  test('an id_token posted into the victim’s frame from elsewhere does not sign the victim in', async () => {
    // The attacker's own launch, stopped before it reaches the tool: their id_token and state.
    const attacker = await openCourse('canvas', 'coach');
    let stolen = '';
    await attacker.page.route('**/*', async (route) => {
      const req = route.request();
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/' && req.postData()?.includes('id_token')) {
        stolen = req.postData()!;
        return route.abort();
      }
      return route.continue();
    });
    await attacker.page.reload();
    for (let i = 0; i < 50 && !stolen; i++) await attacker.page.waitForTimeout(100);
    expect(stolen).toContain('id_token=');
    await attacker.context.close();

    // The victim has the LMS open; a cross-site form posts the attacker's launch into the tool frame.
    const victim = await openCourse('canvas', 'teacher');
    await victim.frame.waitForSelector('main h1:text-is("My PD plan")');
    const fields = Object.fromEntries(new URLSearchParams(stolen));
    // A string, evaluated in the page: the test program is compiled without DOM types.
    await victim.page.evaluate(`(() => {
      const fields = ${JSON.stringify(fields)};
      const frame = document.createElement('iframe');
      frame.name = 'tool';
      frame.className = 'attacked-frame';
      frame.width = '900';
      frame.height = '320';
      document.body.appendChild(frame);
      const form = document.createElement('form');
      form.method = 'post';
      form.action = ${JSON.stringify(`${demo.url()}/`)};
      form.target = 'tool';
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    })()`);
    const frame = (await (await victim.page.waitForSelector('iframe.attacked-frame')).contentFrame())!;
    await frame.waitForSelector('.storage-failed:not([hidden])');
    expect(await frame.textContent('main')).toContain('This launch was not started in this browser');
    expect(frame.url()).not.toContain('ltik=');
    await screenshot(victim.page, 'cookies-blocked-login-csrf-refused');
    await victim.context.close();
  });
});
