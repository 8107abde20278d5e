import type { Frame, Page } from 'playwright-core';
import { axeViolations, newContext, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

async function toolFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe.lms-frame');
  const frame = (await handle.contentFrame())!;
  await frame.waitForSelector('main h1');
  return frame;
}

describe('a newcomer tries the demo in a browser', () => {
  test('the demo page offers launches on both platforms and is accessible', async () => {
    const page = await (await newContext(demo.browser())).newPage();
    await page.goto(`${demo.url()}/demo`);
    expect(await page.textContent('h1')).toBe('Try PD Pathways without an LMS');
    expect(await page.locator('a', { hasText: 'Launch as teacher' }).count()).toBe(2);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'demo');
  });

  const roles = [
    ['canvas', 'teacher', 'My PD plan'],
    ['canvas', 'coach', 'Coaching caseload'],
    ['moodle', 'PD staff', 'PD staff console'],
    ['moodle', 'teacher', 'My PD plan'],
  ] as const;

  test.each(roles)('launching on %s as %s lands inside the LMS frame on the %s', async (flavor, role, heading) => {
    const page = await (await newContext(demo.browser())).newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${demo.url()}/demo`);
    await page.locator(`section:has(h2[id="plat-${flavor}"]) a`, { hasText: `Launch as ${role}` }).click();
    const frame = await toolFrame(page);
    expect(await frame.textContent('main h1')).toBe(heading);
    expect(await frame.textContent('main')).toContain('Signed in as');
    expect(await axeViolations(frame)).toEqual([]);
    expect(errors).toEqual([]);
    await screenshot(page, `launch-${flavor}-${role.replace(' ', '-')}`);
  });

  test('on a phone the tool is readable and keyboard users can skip to the content', async () => {
    const page = await (await newContext(demo.browser(), { mobile: true })).newPage();
    await page.goto(`${demo.url()}/demo/canvas/start?as=teacher`);
    await page.waitForSelector('main h1');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to main content');
    await screenshot(page, 'teacher-phone');
  });
});
