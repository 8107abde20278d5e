import type { Page } from 'playwright-core';
import { axeViolations, followLink, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();

/** Elements of main that scroll sideways (a wide table in a scrolling box hides columns on a phone). */
const sideScrollers = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('main *')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .map((e) => e.className || e.tagName)`) as Promise<string[]>;

/** The first block in main after the page heading: its class and how far down the screen it starts. */
const firstBlock = (page: Page) =>
  page.evaluate(`(() => {
    const block = document.querySelector('main > section');
    return { className: block.className, top: block.getBoundingClientRect().top, text: block.textContent.replace(/\\s+/g, ' ').trim() };
  })()`) as Promise<{ className: string; top: number; text: string }>;

test('on a phone the coach’s home starts with the next step, and a teacher’s plan reads without side-scrolling', async () => {
  const page = (await demo.launch('coach', { mobile: true })).page;
  const first = await firstBlock(page);
  expect(first.className).toContain('next-step');
  expect(first.top).toBeLessThan(844 / 2);
  expect(first.text).toMatch(/^Your next step /);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'home-coach-phone');

  await followLink(page, 'Jordan Lee');
  expect(await page.textContent('main')).toContain('Active');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await sideScrollers(page)).toEqual([]);
  expect(await page.locator('.activity-card').count()).toBeGreaterThan(0);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'plan-progress-phone');
});

test('on a phone the teacher’s home starts with what to do about their plan', async () => {
  const page = (await demo.launch('teacher', { mobile: true })).page;
  const first = await firstBlock(page);
  expect(first.className).toContain('next-step');
  expect(first.text).toContain('Start your PD plan: write your first goal.');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(page, 'home-teacher-phone');
});
