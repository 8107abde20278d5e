import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { DemoServer, startDemoServer } from './demoServer';

export const CHROMIUM = '/usr/bin/chromium';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

/** Debian's Chromium, headless, without the background traffic a closed network refuses. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** bypassCSP lets the test inject axe-core; the app's own pages never need it. */
export function newContext(browser: Browser, opts: { mobile?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    bypassCSP: true,
    viewport: opts.mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core (WCAG 2.1 A/AA rules) in the page or frame and returns the violations. */
export async function axeViolations(target: Page | Frame): Promise<AxeViolation[]> {
  await target.evaluate(AXE_SOURCE);
  // A string, evaluated in the page: the test program is compiled without DOM types.
  return target.evaluate(`(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`) as Promise<AxeViolation[]>;
}

/**
 * Launches from a demo LMS course as a persona, in the top window (as a phone would), optionally as a
 * deep-linking placement; `open` then visits any tool page with that launch's session token.
 */
export interface DemoLaunch {
  page: Page;
  /** Opens a page of the tool in the same session (the ltik travels in the URL). */
  open(path: string): Promise<Page>;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
}

/** Launches on a demo platform as a persona, straight into the tool in the top window. */
export async function launchDemo(browser: Browser, serverUrl: string, as: string, opts: { mobile?: boolean; flavor?: 'canvas' | 'moodle'; kind?: 'launch' | 'placement' } = {}): Promise<DemoLaunch> {
  const page = await (await newContext(browser, opts)).newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${serverUrl}/demo/${opts.flavor ?? 'canvas'}/start?as=${as}&kind=${opts.kind ?? 'launch'}`);
  await page.waitForSelector('main h1');
  const ltik = new URL(page.url()).searchParams.get('ltik')!;
  const open = async (path: string): Promise<Page> => {
    await page.goto(`${serverUrl}${path}${path.includes('?') ? '&' : '?'}ltik=${ltik}`);
    await page.waitForSelector('main h1');
    return page;
  };
  return { page, open, errors };
}

/** One demo server (as `npm start` runs it) and one Chromium for the test file. */
export function useDemoInBrowser(browserArgs: string[] = [], cookies?: Parameters<typeof startDemoServer>[0]) {
  let server: DemoServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startDemoServer(cookies);
    browser = await launchBrowser(browserArgs);
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    url: () => server.url,
    browser: () => browser,
    launch: (as: string, opts: Parameters<typeof launchDemo>[3] = {}) => launchDemo(browser, server.url, as, opts),
  };
}

/** Clicks a link as a person would, opening the navigation menu ("Explore", "District") that holds it if needed. */
export async function followLink(page: Page, name: string | RegExp): Promise<void> {
  if ((await page.getByRole('link', { name }).count()) === 0) {
    const hidden = page.getByRole('link', { name, includeHidden: true }).first();
    await page.locator('details.nav-menu').filter({ has: hidden }).first().locator('summary').click();
  }
  await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name }).first().click()]);
  await page.waitForSelector('main h1');
}

/** Accessible, and at phone width nothing scrolls sideways. */
export async function checkPage(page: Page | Frame, phone = false): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
  if (phone) expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
}

/** Clicks a button (or link) that loads a page, and waits for it. */
export async function click(page: Page, name: string | RegExp, role: 'link' | 'button' = 'button'): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.getByRole(role, { name }).first().click()]);
  await page.waitForSelector('main h1');
}

/** The teacher starts a plan with one goal (requests and registrations go into a goal); returns the plan's path. */
export async function planWithGoal(teacher: DemoLaunch): Promise<string> {
  const { page } = teacher;
  await Promise.all([page.waitForURL(/\/plans\//), page.getByRole('button', { name: 'Create my plan' }).first().click()]);
  const planPath = new URL(page.url()).pathname;
  await addGoal(teacher);
  return planPath;
}

/** From the plan page, the teacher adds a goal and lands on adding its activities; returns the goal's id. */
export async function addGoal(teacher: DemoLaunch): Promise<string> {
  const { page } = teacher;
  await followLink(page, 'Add a goal');
  await page.fill('#statement', 'Check every student’s understanding before moving on');
  await page.selectOption('#competency', 'ASMT1');
  await page.selectOption('#targetLevel', '3');
  await page.fill('#measure', 'Hinge questions in four of five lessons');
  await page.fill('#targetDate', new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
  await Promise.all([page.waitForURL(/activities\/new/), page.getByRole('button', { name: 'Save goal' }).click()]);
  return /\/goals\/([a-f0-9]{24})\//.exec(page.url())![1]!;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
