import { Binary, serialize } from 'bson';
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';
import { MAX_UNAUTHENTICATED_MESSAGE } from '../../src/db/embedded/connection';
import { authenticate, header, OP_MSG, opMsg, opQuery, rawClient } from '../support/wire';

// Random and mutated frames against a running server: every connection is answered or closed within a
// bound, the app's own client keeps being served with its data intact, and memory stays bounded.
// DB_DEEP=1 (npm run test:db:deep) runs many more cases; a failure prints its seed and shrunk frames.
const DEEP = process.env.DB_DEEP === '1';
const NUM_RUNS = DEEP ? 5000 : 200;
const FRAME_TIMEOUT_MS = 200;
/** Answer-or-close bound: the frame timeout plus generous room for a busy machine (not a speed goal). */
const BOUND_MS = FRAME_TIMEOUT_MS + 15_000;
const PROBE_ID = 0x7ffffff0;

let server: EmbeddedMongo;
let app: MongoClient;

beforeAll(async () => {
  server = await startEmbeddedMongo({ limits: { frameTimeoutMs: FRAME_TIMEOUT_MS } });
  app = await MongoClient.connect(`${server.uri}kept`);
  await app.db().collection('notes').insertMany([{ _id: 1, text: 'reflection' }, { _id: 2, text: 'feedback' }] as never[]);
});
afterAll(async () => {
  await app.close();
  await server.stop();
});

function withSequence(command: object, id: string, docs: object[], sizeOverride?: number): Buffer {
  const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => serialize(d))]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(sizeOverride ?? payload.length + 4);
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), serialize(command), Buffer.from([1]), size, payload]);
  return Buffer.concat([header(16 + body.length, 3, OP_MSG), body]);
}

// Well-formed frames of the kinds drivers send, on the fuzz database (never the one checked above).
const SEEDS: Buffer[] = [
  opMsg({ hello: 1, $db: 'admin' }),
  opMsg({ ping: 1, $db: 'admin' }, { checksum: true }),
  opMsg({ find: 'notes', filter: { a: { $gt: 1 } }, batchSize: 2, $db: 'fuzz' }),
  opMsg({ insert: 'notes', documents: [{ a: 1, b: [1, { c: 'x' }] }], $db: 'fuzz' }),
  opMsg({ update: 'notes', updates: [{ q: { a: 1 }, u: { $set: { b: 2 } }, upsert: true }], $db: 'fuzz' }),
  opMsg({ aggregate: 'notes', pipeline: [{ $match: {} }, { $group: { _id: '$a', n: { $sum: 1 } } }], cursor: {}, $db: 'fuzz' }),
  opMsg({ saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: new Binary(Buffer.from('n,,n=x,r=abc')), $db: 'admin' }),
  opMsg({ delete: 'notes', deletes: [{ q: { a: 2 }, limit: 1 }], $db: 'fuzz' }, { flags: 2 }),
  withSequence({ insert: 'notes', $db: 'fuzz' }, 'documents', [{ a: 3 }, { a: 4 }]),
  opQuery('admin.$cmd', { isMaster: 1 }),
];

const int32 = fc.oneof(
  fc.constantFrom(-2147483648, -1, 0, 1, 4, 5, 6, 15, 16, 20, 21, 26, 27, MAX_UNAUTHENTICATED_MESSAGE + 1, 1 << 24, 48_000_000, 48_000_001, 2147483647),
  fc.integer({ min: -2147483648, max: 2147483647 }),
);

function setInt32(buf: Buffer, at: number, v: number): Buffer {
  const out = Buffer.from(buf);
  if (at + 4 <= out.length) out.writeInt32LE(v, at);
  return out;
}

const seed = fc.constantFrom(...SEEDS);
const frame: fc.Arbitrary<Buffer> = fc.oneof(
  seed,
  // byte-wise mutations of valid frames
  fc.tuple(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([f, edits]) => {
    const out = Buffer.from(f);
    for (const [at, byte] of edits) out[at % out.length] = byte;
    return out;
  }),
  // truncated and extended frames
  fc.tuple(seed, fc.nat()).map(([f, cut]) => f.subarray(0, cut % f.length)),
  fc.tuple(seed, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([f, tail]) => Buffer.concat([f, tail])),
  // lying lengths: the message length, the flag bits, the opcode, a body or sequence size
  fc.tuple(seed, int32).map(([f, v]) => setInt32(f, 0, v)),
  fc.tuple(seed, fc.integer({ min: 0, max: 0xffff })).map(([f, flags]) => setInt32(f, 16, flags)),
  fc.tuple(seed, fc.oneof(fc.constantFrom(1, 2001, 2002, 2004, 2005, 2006, 2007, 2010, 2011, 2012, 2013), int32)).map(([f, op]) => setInt32(f, 12, op)),
  fc.tuple(seed, int32).map(([f, v]) => setInt32(f, 21, v)),
  fc.tuple(fc.array(fc.record({ a: fc.integer() }), { maxLength: 3 }), fc.option(int32, { nil: undefined })).map(([docs, size]) => withSequence({ insert: 'notes', $db: 'fuzz' }, 'documents', docs, size)),
  // random bodies behind a valid header
  fc.tuple(fc.constantFrom(OP_MSG, 2004, 2012, 1), fc.uint8Array({ maxLength: 200 })).map(([op, body]) => Buffer.concat([header(16 + body.length, 9, op), body])),
  fc.uint8Array({ minLength: 1, maxLength: 100 }).map((b) => Buffer.from(b)),
);

const connectionCase = fc.record({
  frames: fc.array(frame, { minLength: 1, maxLength: 3 }),
  authenticated: fc.boolean(),
  chunked: fc.boolean(),
});

/** Sends the frames, then a ping: the server must answer the ping or close the connection within the bound. */
async function exercise(c: { frames: Buffer[]; authenticated: boolean; chunked: boolean }): Promise<string> {
  const raw = await rawClient(server.port);
  try {
    if (c.authenticated) await authenticate(raw, server.credential);
    const bytes = Buffer.concat([...c.frames, opMsg({ ping: 1, $db: 'admin' }, { requestId: PROBE_ID })]);
    if (c.chunked) for (let i = 0; i < bytes.length; i += 7) raw.send(bytes.subarray(i, i + 7));
    else raw.send(bytes);
    const outcome = await raw.replyTo(PROBE_ID, BOUND_MS);
    if (outcome === 'timeout') throw new Error(`neither answered nor closed within ${BOUND_MS} ms`);
    return outcome === 'closed' ? 'closed' : 'answered';
  } finally {
    raw.socket.destroy();
  }
}

test('no frame wedges the server, affects another client, or grows memory without bound', async () => {
  const outcomes = { answered: 0, closed: 0 };
  const rssBefore = process.memoryUsage().rss;
  let maxPending = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(connectionCase, { minLength: 1, maxLength: 6 }), async (cases) => {
      for (const o of await Promise.all(cases.map(exercise))) outcomes[o as keyof typeof outcomes]++;
      maxPending = Math.max(maxPending, server.stats().maxPendingBytes);
      expect(await app.db().collection('notes').find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, text: 'reflection' }, { _id: 2, text: 'feedback' }]);
    }),
    { numRuns: NUM_RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
  );
  // both outcomes were exercised, so the property was not vacuous
  expect(outcomes.answered).toBeGreaterThan(0);
  expect(outcomes.closed).toBeGreaterThan(0);
  // fuzz frames are small: nothing near the 48 MB cap was ever buffered, and memory did not run away
  expect(maxPending).toBeLessThan(64 * 1024);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  for (let i = 0; i < 100 && server.stats().connections > 5; i++) await new Promise((r) => setTimeout(r, 50));
  expect(server.stats().connections).toBeLessThanOrEqual(5); // every fuzz connection is gone; the app's pool remains
}, DEEP ? 3_600_000 : 120_000);

test('a header announcing a huge message buffers nothing of it: the connection is closed at once', async () => {
  for (const authenticated of [false, true]) {
    const raw = await rawClient(server.port);
    if (authenticated) await authenticate(raw, server.credential);
    const len = authenticated ? 48_000_001 : MAX_UNAUTHENTICATED_MESSAGE + 1;
    raw.send(Buffer.concat([header(len, 5, OP_MSG), Buffer.alloc(1024)]));
    expect(await raw.reply(BOUND_MS)).toBe('closed');
  }
  // an authenticated client may announce a large message; while it arrives only what was sent is held
  const raw = await rawClient(server.port);
  await authenticate(raw, server.credential);
  raw.send(Buffer.concat([header(40_000_000, 6, OP_MSG), Buffer.alloc(4096)]));
  await new Promise((r) => setTimeout(r, 20));
  expect(server.stats().maxPendingBytes).toBeLessThanOrEqual(4096 + 16);
  await raw.closed; // and the frame timeout ends it
});
