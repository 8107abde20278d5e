import { MongoClient } from 'mongodb';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';
import { header, OP_MSG, opMsg, opQuery, rawClient } from '../support/wire';

// Frames a driver never sends. Each must be answered or close only its own connection, promptly.
let server: EmbeddedMongo;
let client: MongoClient;

// A long frame timeout here, so a close within PROMPT_MS proves the frame itself was refused.
const PROMPT_MS = 5000;

beforeAll(async () => {
  server = await startEmbeddedMongo({ limits: { frameTimeoutMs: 60_000 } });
  client = await MongoClient.connect(`${server.uri}wire`);
  await client.db().collection('notes').insertOne({ _id: 1 as never, text: 'kept' });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

async function stillServing(): Promise<void> {
  expect(await client.db().collection('notes').findOne({ _id: 1 as never })).toEqual({ _id: 1, text: 'kept' });
  const other = await MongoClient.connect(`${server.uri}wire`);
  try {
    expect(await other.db().collection('notes').countDocuments()).toBe(1);
  } finally {
    await other.close();
  }
}

async function expectClosed(frame: Buffer): Promise<void> {
  const raw = await rawClient(server.port);
  raw.send(frame);
  expect(await raw.reply(PROMPT_MS)).toBe('closed');
  await stillServing();
}

test('the 27-byte OP_MSG with a document sequence of size -1 closes that connection and nothing else', async () => {
  const frame = Buffer.concat([header(27, 7, OP_MSG), Buffer.from([0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x61, 0])]);
  expect(frame.length).toBe(27);
  await expectClosed(frame);
});

test.each([
  ['a document sequence of size 0', Buffer.from([1, 0, 0, 0, 0])],
  ['a document sequence ending past the message', Buffer.from([1, 0x40, 0, 0, 0, 0x61, 0])],
  ['a document sequence whose identifier is not terminated', Buffer.from([1, 7, 0, 0, 0, 0x61, 0x62, 0x63])],
  ['a document sequence holding a document of size 4', Buffer.from([1, 10, 0, 0, 0, 0x61, 0, 4, 0, 0, 0])],
  ['a body document of size -5', Buffer.from([0, 0xfb, 0xff, 0xff, 0xff])],
  ['section kind 2', Buffer.from([2, 5, 0, 0, 0, 0])],
  ['section kind 255', Buffer.from([0xff])],
  ['no body section', Buffer.from([1, 6, 0, 0, 0, 0x61, 0])],
])('an OP_MSG with %s is refused by closing the connection', async (_label, sections) => {
  const body = Buffer.concat([Buffer.alloc(4), sections]);
  await expectClosed(Buffer.concat([header(16 + body.length, 1, OP_MSG), body]));
});

test.each([
  ['negative', -1],
  ['smaller than a header', 15],
  ['above 48 MB', 48_000_001],
  ['above the limit for a connection that has not authenticated', 1 << 20],
])('a message length that is %s closes the connection at once, before any body is buffered', async (_label, len) => {
  await expectClosed(header(len, 1, OP_MSG));
});

test('bad BSON, unknown opcodes and unknown required flag bits close the connection', async () => {
  const hello = opMsg({ hello: 1, $db: 'admin' });
  const badBson = Buffer.from(hello);
  badBson[hello.length - 1] = 7; // the body document is no longer terminated
  await expectClosed(badBson);
  const compressed = Buffer.from(hello);
  compressed.writeInt32LE(2012, 12);
  await expectClosed(compressed);
  await expectClosed(opMsg({ hello: 1, $db: 'admin' }, { flags: 1 << 4 }));
});

test('a checksummed OP_MSG is answered; a wrong checksum closes the connection', async () => {
  const raw = await rawClient(server.port);
  raw.send(opMsg({ hello: 1, $db: 'admin' }, { checksum: true }));
  expect(await raw.reply()).toMatchObject({ isWritablePrimary: true, ok: 1 });
  raw.socket.destroy();
  const wrong = opMsg({ hello: 1, $db: 'admin' }, { checksum: true });
  wrong[wrong.length - 1] ^= 0xff;
  await expectClosed(wrong);
});

test('OP_QUERY answers the legacy hello and refuses every other command', async () => {
  const raw = await rawClient(server.port);
  raw.send(opQuery('admin.$cmd', { isMaster: 1 }));
  expect(await raw.reply()).toMatchObject({ ismaster: true, ok: 1 });
  raw.send(opQuery('wire.$cmd', { find: 'notes' }, 2));
  expect(await raw.reply()).toMatchObject({ ok: 0, code: 352 });
  raw.send(opQuery('wire.notes', { isMaster: 1 }, 3));
  expect(await raw.reply()).toMatchObject({ ok: 0, code: 352 });
  raw.socket.destroy();
  await stillServing();
});

test('a document sequence cannot repeat a field of the body', async () => {
  const seqDoc = Buffer.from([5, 0, 0, 0, 0]);
  const seq = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from('documents\0'), seqDoc]);
  seq.writeInt32LE(seq.length - 1, 1);
  const body = Buffer.concat([opMsg({ insert: 'notes', documents: [], $db: 'wire' }).subarray(16), seq]);
  await expectClosed(Buffer.concat([header(16 + body.length, 1, OP_MSG), body]));
});

test('an authenticated driver still sends and reads a 15 MB document', async () => {
  const big = 'x'.repeat(15 * 1024 * 1024);
  await client.db().collection('big').insertOne({ _id: 1 as never, big });
  expect((await client.db().collection('big').findOne({ _id: 1 as never }))?.big).toHaveLength(big.length);
  await client.db().collection('big').drop();
}, 60000);

describe('slow clients', () => {
  let slow: EmbeddedMongo;
  const FRAME_TIMEOUT_MS = 300;

  beforeAll(async () => {
    slow = await startEmbeddedMongo({ limits: { frameTimeoutMs: FRAME_TIMEOUT_MS } });
  });
  afterAll(() => slow.stop());

  test('a connection holding a partial message is closed after the frame timeout; an idle one is kept', async () => {
    const idle = await rawClient(slow.port);
    const loris = await rawClient(slow.port);
    const started = Date.now();
    loris.send(opMsg({ hello: 1, $db: 'admin' }).subarray(0, 10));
    await loris.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 20);

    // a byte now and then does not extend the deadline of a message
    const dripper = await rawClient(slow.port);
    const frame = opMsg({ hello: 1, $db: 'admin' });
    let sent = 0;
    const drip = setInterval(() => dripper.send(frame.subarray(sent, ++sent)), FRAME_TIMEOUT_MS / 6);
    await dripper.closed;
    clearInterval(drip);
    expect(sent).toBeLessThan(frame.length);

    expect(idle.isClosed()).toBe(false);
    idle.send(opMsg({ hello: 1, $db: 'admin' }));
    expect(await idle.reply()).toMatchObject({ ok: 1 });
    idle.socket.destroy();

    const c = await MongoClient.connect(`${slow.uri}slow`);
    await c.db().collection('x').insertOne({ a: 1 });
    await new Promise((r) => setTimeout(r, FRAME_TIMEOUT_MS * 2));
    expect(await c.db().collection('x').countDocuments()).toBe(1); // pooled idle connections stay usable
    await c.close();
  });
});
