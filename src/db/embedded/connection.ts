import net from 'node:net';
import { AuthSession } from './auth';
import { runCommand } from './commands';
import { ServerState } from './commands/context';
import { Codes } from './errors';
import { FrameReader } from './framing';
import { ScramKeys } from './scram';
import type { Logger } from './logger';
import { commandShape } from './slowLog';
import { Doc } from './values';
import { encodeMsg, encodeReply, MAX_MESSAGE_SIZE, MORE_TO_COME, parseRequest, Request } from './wire';

export interface WireLimits {
  /** A message must have fully arrived this many milliseconds after its first byte, or the connection is closed. */
  frameTimeoutMs: number;
  /** Connections beyond this many are closed as soon as they are accepted. */
  maxConnections: number;
  /** A command that runs longer than this many milliseconds is logged with its shape (mongod's `slowms`). */
  slowMs: number;
}

/** Before authentication only hello and SASL messages are expected; nothing larger is buffered. */
export const MAX_UNAUTHENTICATED_MESSAGE = 64 * 1024;
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

interface ConnectionContext {
  state: ServerState;
  keys: ScramKeys;
  limits: WireLimits;
  logger?: Logger;
  afterCommand?: () => void;
}

let connectionCounter = 0;

function unsupportedQuery(name: string | undefined): Doc {
  return {
    ok: 0,
    errmsg: `Unsupported OP_QUERY command: ${name ?? ''}. The client driver may require an upgrade.`,
    code: Codes.UnsupportedOpQueryCommand,
    codeName: 'UnsupportedOpQueryCommand',
  };
}

/** Runs one parsed request and returns its reply (written unless the request set moreToCome). */
function execute(req: Exclude<Request, { kind: 'unsupported' }>, ctx: ConnectionContext, session: AuthSession, connectionId: number): Doc {
  const name = Object.keys(req.command)[0];
  if (req.kind === 'query' && (!req.collection.endsWith('.$cmd') || !OP_QUERY_COMMANDS.has(name))) return unsupportedQuery(name);
  const refused = session.refusal(name);
  if (refused) return refused;
  const sasl = session.handle(name, req.command);
  if (sasl) return sasl;
  const db = req.kind === 'msg' ? String(req.command.$db ?? 'admin') : req.collection.split('.')[0];
  const started = performance.now();
  try {
    return session.decorateHello(name, req.command, runCommand({ db, cmd: req.command, state: ctx.state, connectionId }));
  } finally {
    ctx.afterCommand?.();
    const durationMillis = Math.round(performance.now() - started);
    if (durationMillis > ctx.limits.slowMs) ctx.logger?.warn({ connectionId, db, durationMillis, ...commandShape(name, req.command) }, 'embedded mongo: slow command');
  }
}

/** A reply that cannot be encoded (larger than BSON allows) is answered with an error instead. */
function encode(req: Request, reply: Doc): Buffer {
  const enc = req.kind === 'msg' ? encodeMsg : encodeReply;
  try {
    return enc(req.requestId, reply);
  } catch (err) {
    return enc(req.requestId, { ok: 0, errmsg: `reply could not be encoded: ${(err as Error).message}`, code: Codes.BSONObjectTooLarge, codeName: 'BSONObjectTooLarge' });
  }
}

/**
 * One client connection: frames messages (bounded size, bounded time per message), checks authentication,
 * runs commands and writes replies, pausing reads while the client is not reading replies. A frame that
 * breaks the protocol closes this connection and nothing else. Returns how many bytes it holds for a partial message.
 */
export function serveConnection(socket: net.Socket, ctx: ConnectionContext): () => number {
  const connectionId = ++connectionCounter;
  const session = new AuthSession(ctx.keys);
  const reader = new FrameReader(() => (session.authenticated ? MAX_MESSAGE_SIZE : MAX_UNAUTHENTICATED_MESSAGE));
  let waitingForDrain = false;
  let completed = 0;
  let frameTimer: NodeJS.Timeout | undefined;

  const close = (reason: string, detail: object = {}): void => {
    if (socket.destroyed) return;
    ctx.logger?.warn({ connectionId, ...detail }, `embedded mongo: ${reason}, closing connection`);
    socket.destroy();
  };

  const clearFrameTimer = (): void => {
    if (frameTimer) clearTimeout(frameTimer);
    frameTimer = undefined;
  };

  // Checked in the event loop's check phase, after pending socket reads, so a busy loop does not cut off a
  // message whose bytes had already arrived.
  const armFrameTimer = (): void => {
    clearFrameTimer();
    if (reader.pendingBytes === 0 || waitingForDrain || socket.destroyed) return;
    const seen = completed;
    frameTimer = setTimeout(() => {
      setImmediate(() => {
        if (completed === seen && reader.pendingBytes > 0 && !waitingForDrain) {
          close('message incomplete after the frame timeout', { bufferedBytes: reader.pendingBytes, frameTimeoutMs: ctx.limits.frameTimeoutMs });
        }
      });
    }, ctx.limits.frameTimeoutMs);
    frameTimer.unref();
  };

  const respond = (message: Buffer): boolean => {
    const req = parseRequest(message);
    if (req.kind === 'unsupported') {
      close('unsupported opcode', { opCode: req.opCode });
      return false;
    }
    const reply = execute(req, ctx, session, connectionId);
    if (req.kind === 'msg' && req.flags & MORE_TO_COME) return true;
    return socket.write(encode(req, reply));
  };

  const pump = (): void => {
    const before = completed;
    try {
      for (let message = reader.next(); message && !socket.destroyed; message = waitingForDrain ? undefined : reader.next()) {
        completed++;
        if (!respond(message) && !socket.destroyed) {
          waitingForDrain = true;
          socket.pause();
        }
      }
    } catch (err) {
      close('malformed message', { err: (err as Error).message });
      return;
    }
    if (completed !== before || !frameTimer) armFrameTimer();
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    pump();
  });
  socket.on('drain', () => {
    if (!waitingForDrain) return;
    waitingForDrain = false;
    socket.resume();
    pump();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', clearFrameTimer);
  return () => reader.pendingBytes;
}
