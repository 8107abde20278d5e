import crypto from 'node:crypto';
import net from 'node:net';
import { Binary, deserialize, serialize } from 'bson';
import { crc32c } from '../../src/db/embedded/crc32c';

export const OP_QUERY = 2004;
export const OP_MSG = 2013;

export function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** A well-formed OP_MSG with one body section (and optionally a CRC-32C checksum). */
export function opMsg(command: object, opts: { requestId?: number; flags?: number; checksum?: boolean } = {}): Buffer {
  const flags = (opts.flags ?? 0) | (opts.checksum ? 1 : 0);
  const body = Buffer.concat([Buffer.from([flags & 0xff, (flags >> 8) & 0xff, (flags >> 16) & 0xff, (flags >>> 24) & 0xff]), Buffer.from([0]), serialize(command)]);
  const len = 16 + body.length + (opts.checksum ? 4 : 0);
  const msg = Buffer.concat([header(len, opts.requestId ?? 1, OP_MSG), body]);
  if (!opts.checksum) return msg;
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32c(msg));
  return Buffer.concat([msg, crc]);
}

/** A legacy OP_QUERY command on `<db>.$cmd`. */
export function opQuery(ns: string, command: object, requestId = 1): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(`${ns}\0`), Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), serialize(command)]);
  return Buffer.concat([header(16 + body.length, requestId, OP_QUERY), body]);
}

export interface RawClient {
  socket: net.Socket;
  send(bytes: Buffer): void;
  /** The next reply document (OP_MSG or OP_REPLY), or 'closed' if the server closed the connection first. */
  reply(timeoutMs?: number): Promise<Record<string, unknown> | 'closed' | 'timeout'>;
  /** Waits for the reply to `requestId` (skipping others), or the close of the connection, or the timeout. */
  replyTo(requestId: number, timeoutMs?: number): Promise<Record<string, unknown> | 'closed' | 'timeout'>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
}

/** A plain TCP connection that speaks frames by hand, to send what no driver would. */
export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let closed = false;
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((w) => w());
    const closedP = new Promise<void>((r) => socket.once('close', () => { closed = true; wake(); r(); }));
    socket.on('data', (c) => { buf = Buffer.concat([buf, c]); wake(); });
    socket.on('error', () => undefined);
    const take = (): { responseTo: number; doc: Record<string, unknown> } | undefined => {
      if (buf.length < 16) return undefined;
      const len = buf.readInt32LE(0);
      if (buf.length < len) return undefined;
      const msg = buf.subarray(0, len);
      buf = buf.subarray(len);
      const opCode = msg.readInt32LE(12);
      return { responseTo: msg.readInt32LE(8), doc: deserialize(msg.subarray(opCode === OP_MSG ? 21 : 36)) };
    };
    const wait = async (wanted: (r: { responseTo: number }) => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let r = take(); r; r = take()) if (wanted(r)) return r.doc;
        if (closed) return 'closed' as const;
        const left = deadline - Date.now();
        if (left <= 0) return 'timeout' as const;
        await new Promise<void>((w) => { const t = setTimeout(w, left); waiters.push(() => { clearTimeout(t); w(); }); });
      }
    };
    const client: RawClient = {
      socket,
      send: (bytes) => { if (!socket.destroyed) socket.write(bytes); },
      reply: (timeoutMs = 10_000) => wait(() => true, timeoutMs),
      replyTo: (requestId, timeoutMs = 10_000) => wait((r) => r.responseTo === requestId, timeoutMs),
      closed: closedP,
      isClosed: () => closed,
    };
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

const salted = new Map<string, Buffer>();
const hmac = (key: Buffer, data: string) => crypto.createHmac('sha256', key).update(data).digest();

/** Logs a raw connection in with SCRAM-SHA-256, the way a driver does (the client side of RFC 5802). */
export async function authenticate(raw: RawClient, credential: { user: string; password: string }): Promise<void> {
  const clientFirstBare = `n=${credential.user},r=${crypto.randomBytes(18).toString('base64')}`;
  raw.send(opMsg({ saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: new Binary(Buffer.from(`n,,${clientFirstBare}`)), options: { skipEmptyExchange: true }, $db: 'admin' }, { requestId: 1 }));
  const first = (await raw.reply()) as { payload?: Binary; conversationId?: number };
  if (!first.payload) throw new Error(`saslStart refused: ${JSON.stringify(first)}`);
  const serverFirst = Buffer.from(first.payload.buffer).toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  const key = `${attrs.s}:${attrs.i}`;
  if (!salted.has(key)) salted.set(key, crypto.pbkdf2Sync(credential.password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256'));
  const clientKey = hmac(salted.get(key)!, 'Client Key');
  const withoutProof = `c=biws,r=${attrs.r}`;
  const signature = hmac(crypto.createHash('sha256').update(clientKey).digest(), `${clientFirstBare},${serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i])).toString('base64');
  raw.send(opMsg({ saslContinue: 1, conversationId: first.conversationId, payload: new Binary(Buffer.from(`${withoutProof},p=${proof}`)), $db: 'admin' }, { requestId: 2 }));
  const done = (await raw.reply()) as { done?: boolean };
  if (done.done !== true) throw new Error(`saslContinue refused: ${JSON.stringify(done)}`);
}
