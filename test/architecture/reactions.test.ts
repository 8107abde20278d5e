import fs from 'node:fs';
import path from 'node:path';
import { config } from '../../src/config';
import { registeredHandlers } from '../../src/events';
import { registeredJobs } from '../../src/jobs/scheduler';
import { OUTBOX_KINDS, registeredHandlers as registeredDeliveries } from '../../src/outbox/service';
import { registerAllReactions } from '../../src/reactions';

// docs/ARCHITECTURE.md §7 says what happens when an event is emitted; this keeps it true of the code.

const DOC = fs.readFileSync(path.join(__dirname, '../../docs/ARCHITECTURE.md'), 'utf8');

/** The body rows (no header, no separator) of the first table under a heading, as trimmed cells. */
function tableUnder(heading: string): string[][] {
  const start = DOC.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/ARCHITECTURE.md has no "${heading}"`);
  const table: string[][] = [];
  for (const line of DOC.slice(start + heading.length + 2).split('\n')) {
    if (line.startsWith('|')) table.push(line.slice(1, -1).split('|').map((c) => c.trim()));
    else if (table.length) break;
  }
  return table.slice(2);
}

/** The first `code` span of a cell, or 'anonymous' for a handler the table says has no name. */
function nameIn(cell: string): string {
  if (cell.startsWith('anonymous')) return 'anonymous';
  const m = /`([^`]+)`/.exec(cell);
  if (!m) throw new Error(`no \`name\` in "${cell}"`);
  return m[1]!;
}

const nameOf = (fn: { name: string }) => fn.name || 'anonymous';

beforeAll(() => registerAllReactions());

test('every event handler registered is in the event table, in the order it runs, and nothing else is', () => {
  const documented = new Map<string, string[]>();
  let event = '';
  for (const [eventCell, , handlerCell] of tableUnder('### 7.1 Event table')) {
    if (eventCell) event = nameIn(eventCell!);
    documented.set(event, [...(documented.get(event) ?? []), nameIn(handlerCell!)]);
  }
  const registered = new Map([...registeredHandlers()].map(([e, hs]) => [e, hs.map(nameOf)]));
  expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
});

test('every outbox kind has one documented delivery handler, and the kinds the event table enqueues exist', () => {
  const documented = Object.fromEntries(tableUnder('### 7.2 Outbox kinds').map(([kind, , by]) => [nameIn(kind!), nameIn(by!)]));
  const registered = Object.fromEntries([...registeredDeliveries()].map(([kind, handler]) => [kind, nameOf(handler)]));
  expect(documented).toEqual(registered);
  expect(Object.keys(registered).sort()).toEqual([...OUTBOX_KINDS].sort());
  const enqueued = tableUnder('### 7.1 Event table').map((row) => row[4]!).filter((cell) => cell !== '—').map(nameIn);
  for (const kind of enqueued) expect(OUTBOX_KINDS).toContain(kind);
});

test('the jobs table lists every background job with its period', () => {
  const documented = tableUnder('### 7.3 Background jobs').map(([job, every]) => {
    const seconds = /^(\d+) s\b/.exec(every!);
    return { name: nameIn(job!), everyMs: seconds ? Number(seconds[1]) * 1000 : every === '`outbox.pollMs`' ? config().outbox.pollMs : NaN };
  });
  expect(documented).toEqual(registeredJobs().map((j) => ({ name: j.name, everyMs: j.everyMs })));
});
