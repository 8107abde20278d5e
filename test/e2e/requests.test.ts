import type { Page } from 'playwright-core';
import { checkPage, click, DemoLaunch, followLink, planWithGoal, screenshot, useDemoInBrowser } from '../support/browser';

const demo = useDemoInBrowser();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const CONFERENCE = 'Regional Literacy Leaders Summit';
const day = (inDays: number) => new Date(Date.now() + inDays * 86_400_000).toISOString().slice(0, 10);
const main = (page: Page) => page.textContent('main');

/** Opens the request of this title from a section of the requests page ("Waiting for your decision", …). */
async function openFrom(who: DemoLaunch, section: string, title: string): Promise<void> {
  await who.open('/requests');
  const link = who.page.locator('section', { has: who.page.getByRole('heading', { name: section }) }).getByRole('link', { name: title });
  await Promise.all([who.page.waitForLoadState('load'), link.click()]);
  await who.page.waitForSelector('main h1');
}

/** Chooses a radio of the form posting to `action` and sends it. */
async function decide(page: Page, action: string, choice: string, fields: Record<string, string> = {}): Promise<void> {
  const form = page.locator(`form[action*="${action}"]`);
  await form.getByLabel(choice, { exact: true }).check();
  for (const [id, value] of Object.entries(fields)) await form.locator(`#${id}`).fill(value);
  await Promise.all([page.waitForLoadState('load'), form.getByRole('button', { name: 'Send decision' }).click()]);
  await page.waitForSelector('main h1');
}

describe.each([
  ['canvas', false],
  ['moodle', true],
] as const)('on %s (phone: %s)', (flavor, phone) => {
  const size = phone ? 'phone' : 'desktop';

  test('PD staff find the seeded requests: the queue, a request with its steps and comments, and the budgets', async () => {
    const staff = await demo.launch('staff', { flavor, mobile: phone });
    const { page } = staff;
    await followLink(page, 'Outside PD requests');
    expect(await page.textContent('main h1')).toBe('Outside PD requests');
    const queue = await main(page);
    expect(queue).toContain('Feedback That Moves Learning Forward');
    expect(queue).toContain('Jordan Lee');
    await screenshot(page, `requests-queue-${flavor}-${size}`);
    await checkPage(page, phone);

    await openFrom(staff, 'Waiting for your decision', 'Feedback That Moves Learning Forward');
    expect(await main(page)).toContain('Waiting for approval: Principal');
    expect(await page.locator('form[action*="/decision"]').count()).toBe(1);
    await screenshot(page, `requests-decide-${flavor}-${size}`);
    await checkPage(page, phone);

    await openFrom(staff, 'Approved, waiting for proof of attendance', 'Midwest Assessment for Learning Conference');
    const approved = await main(page);
    expect(approved).toContain('A good fit for your formative assessment goal.');
    expect(approved).toContain('Approved from Title II. Keep your receipts for the claim.');
    expect(approved).toContain('$915.00');
    await screenshot(page, `requests-approved-${flavor}-${size}`);
    await checkPage(page, phone);

    await followLink(page, 'Outside PD budgets');
    const budgets = await main(page);
    expect(budgets).toContain('Title II, Part A');
    expect(budgets).toContain('$24,085.00');
    await screenshot(page, `requests-budgets-${flavor}-${size}`);
    await checkPage(page, phone);
    expect(staff.errors).toEqual([]);
  });

  test('a teacher asks for a conference, PD staff approve both steps, the teacher sends proof and receipts, PD staff verify and pay, and the credit is on the transcript', async () => {
    const teacher = await demo.launch('teacher', { flavor, mobile: phone });
    const t = teacher.page;
    await planWithGoal(teacher);
    await followLink(t, 'Outside PD requests');
    await checkPage(t, phone);
    await click(t, 'Request outside PD', 'link');
    expect(await t.textContent('main h1')).toBe('Request outside PD');
    await t.selectOption('#kind', 'conference');
    await t.fill('#title', CONFERENCE);
    await t.fill('#provider', 'State Literacy Association');
    await t.fill('#startsOn', day(-3));
    await t.fill('#endsOn', day(-2));
    await t.fill('#hours', '10');
    await t.selectOption('#goalId', { index: 1 });
    await t.fill('#registration', '300');
    await t.fill('#travel', '120');
    await t.selectOption('#budgetId', { index: 1 }); // Title II, Part A (the only budget)
    await screenshot(t, `requests-form-${flavor}-${size}`);
    await checkPage(t, phone);
    await click(t, 'Send for approval');
    expect(await main(t)).toContain('Your request was sent for approval. It waits for Principal');
    await screenshot(t, `requests-sent-${flavor}-${size}`);
    await checkPage(t, phone);

    // Nobody holds Approver in the demo: PD staff decide the principal's step and their own.
    const staff = await demo.launch('staff', { flavor });
    const s = staff.page;
    await openFrom(staff, 'Waiting for your decision', CONFERENCE);
    await decide(s, '/decision', 'Approve', { comment: 'Bring back ideas for the grade team.' });
    expect(await main(s)).toContain('the request now waits for PD office');
    await decide(s, '/decision', 'Approve');
    expect(await main(s)).toContain('$420.00 is committed from its budget');
    await checkPage(s);

    await teacher.open(new URL(s.url()).pathname);
    expect(await main(t)).toContain('Bring back ideas for the grade team.');
    await t.setInputFiles('#proof', { name: 'certificate.pdf', mimeType: 'application/pdf', buffer: PDF });
    await click(t, 'Send proof');
    expect(await main(t)).toContain('Your proof of attendance was sent');
    await t.fill('#claimed', '395.50');
    await t.setInputFiles('#receipts', [{ name: 'registration.pdf', mimeType: 'application/pdf', buffer: PDF }, { name: 'hotel.pdf', mimeType: 'application/pdf', buffer: PDF }]);
    await click(t, 'Claim reimbursement');
    expect(await main(t)).toContain('Your reimbursement claim was sent');
    await screenshot(t, `requests-claimed-${flavor}-${size}`);
    await checkPage(t, phone);

    await openFrom(staff, 'Proof of attendance to verify', CONFERENCE);
    expect(await main(s)).toContain('hotel.pdf');
    await screenshot(s, `requests-verify-${flavor}`);
    await checkPage(s);
    await decide(s, '/proof/decision', 'Verify and grant the credit');
    expect(await main(s)).toContain('the credit is on Maya Patel’s transcript');
    await decide(s, '/reimbursement/decision', 'Approve as claimed');
    expect(await main(s)).toContain('$395.50 is approved for payment');
    await followLink(s, 'Outside PD budgets');
    expect(await main(s)).toContain('$395.50'); // paid; the rest of the $420 went back to the balance
    expect(await main(s)).toContain('$23,689.50');

    await teacher.open('/my-transcript');
    expect(await main(t)).toContain(CONFERENCE);
    await screenshot(t, `requests-transcript-${flavor}-${size}`);
    await checkPage(t, phone);
    await followLink(t, 'Outside PD requests');
    expect(await main(t)).toContain('Attended and credited');
    expect(await main(t)).toContain('Approved for payment');
    expect([...teacher.errors, ...staff.errors]).toEqual([]);
  });
});
