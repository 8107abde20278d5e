import mongoose, { Types } from 'mongoose';
import { CompletionEvent } from '../src/completions/model';
import { insertAll } from './district';
import { COURSES, eventsFor, ledgerDocs, ledgerState, untilNonePending } from './ledger';
import { perSecond, recordGoal } from './goals';
import { startChild } from './processes';
import { BenchDb, bulkClient, commandCounts, toolEnv, workCommands } from './stack';

const DB_NAME = 'bench_completions';

/** What apply wrote for delivery and for people since `since`: outbox messages by kind (a newer score replaces a queued one), notices, credit records. */
async function written(tenantId: Types.ObjectId, since = new Date(0)): Promise<Map<string, number>> {
  const db = mongoose.connection.db!;
  const out = new Map<string, number>();
  for (const row of await db.collection('outbox').aggregate([{ $match: { tenantId, updatedAt: { $gte: since } } }, { $group: { _id: '$kind', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray()) out.set(`outbox ${String(row._id)}`, row.n as number);
  out.set('notices', await db.collection('notifications').countDocuments({ tenantId, createdAt: { $gte: since } }));
  out.set('credit records', await db.collection('creditrecords').countDocuments({ tenantId, recordedAt: { $gte: since } }));
  return out;
}

const inWords = (counts: Map<string, number>) => [...counts].map(([k, n]) => `${n} ${k}`).join(', ');

/**
 * Apply alone: PEOPLE × COURSES more completions (each teacher's goal then completes) are written to the ledger
 * as ingest writes them, with no tool running; one processor instance (bench/children/applier, profiled under
 * BENCH_PROFILE) applies them all, timed from its first run to its last. Counts the database commands apply
 * ran per event, and checks every event was applied exactly once, also when the processor works them again.
 */
export async function applyBench(db: BenchDb, tenantId: Types.ObjectId, people: number, ingestOnce: boolean): Promise<void> {
  const events = eventsFor(people, COURSES);
  const docs = ledgerDocs(tenantId, events).map((d) => ({ ...d, createdAt: new Date(), updatedAt: new Date() }));
  await insertAll(mongoose.connection.db! as never, 'completionEvents', docs.length, (i) => docs[i]!);
  const client = await bulkClient(db.uri);
  try {
    const before = await commandCounts(client);
    const since = new Date();
    const run = async () => {
      const { line } = await startChild('bench/children/applier.js', [`${db.uri}${DB_NAME}`], toolEnv(db.uri, DB_NAME, 0), /^APPLIED /, true);
      return Number(line.trim().split(' ')[2]);
    };
    const seconds = await run();
    const commands = workCommands(before, await commandCounts(client));
    await untilNonePending(tenantId);
    const first = await ledgerState(tenantId, COURSES);
    const made = await written(tenantId);
    const rate = events.length / seconds;
    commands.delete('createIndexes'); // the processor's connection making sure of its indexes
    const perEvent = [...commands].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / events.length).toFixed(1)}`).join(', ');
    console.log(`  apply alone (one processor)          ${perSecond(rate, 'events').padStart(14)}   (${events.length} events in ${seconds.toFixed(1)} s: ${first.summary})`);
    console.log(`    database commands per event: ${perEvent}`);
    console.log(`    written: ${inWords(await written(tenantId, since))}`);
    // The processor works every event again (as after a crash between applying and recording): nothing new is written.
    await CompletionEvent.updateMany({ tenantId, courseId: { $in: [...new Set(events.map((e) => e.course.id))] } }, { $set: { status: 'received' } });
    await run();
    const second = await ledgerState(tenantId, COURSES);
    const remade = await written(tenantId);
    const same = inWords(made) === inWords(remade);
    console.log(`    worked again: ${second.summary}; ${same ? 'no outbox message, notice or credit record more' : `now ${inWords(remade)}, was ${inWords(made)}`}`);
    const once = ingestOnce && first.applied === events.length && first.done === events.length && first.twice === 0 && second.applied === events.length && second.done === first.done && second.twice === 0 && same;
    recordGoal({ benchmark: 'completion apply (ledger → goal progress → score/badge queued)', baseline: '—', measured: `${perSecond(rate, 'events')} alone; ${first.applied}/${events.length} applied, ${second.twice} twice`, goal: '≥ 300 events/s, no event applied twice', met: rate >= 300 && once });
  } finally {
    await client.close();
  }
}
