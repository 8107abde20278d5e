import net from 'node:net';
import { Catalog } from './catalog';
import { runCommand } from './commands';
import { Parameters, ServerState } from './commands/context';
import { CursorRegistry } from './cursors';
import { Doc } from './values';
import { completeMessageLength, encodeMsg, encodeReply, MORE_TO_COME, parseRequest } from './wire';

export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface ServerOptions {
  port: number;
  host: string;
  catalog: Catalog;
  parameters: Parameters;
  logger?: Logger;
  /** Called after each command, before its reply is written (persistence makes writes durable here). */
  afterCommand?: () => void;
}

export interface WireServer {
  state: ServerState;
  port: number;
  close(): Promise<void>;
}

let connectionCounter = 0;

/** TCP front end: frames messages, runs each command, writes the reply. */
export async function listen(opts: ServerOptions): Promise<WireServer> {
  const state: ServerState = {
    catalog: opts.catalog,
    cursors: new CursorRegistry(opts.parameters.cursorTimeoutMillis),
    parameters: opts.parameters,
    startedAt: new Date(),
  };
  const sockets = new Set<net.Socket>();

  const handle = (socket: net.Socket, connectionId: number, message: Buffer): void => {
    const req = parseRequest(message);
    if (req.kind === 'unsupported') {
      opts.logger?.warn({ opCode: req.opCode }, 'embedded mongo: unsupported opcode, closing connection');
      socket.destroy();
      return;
    }
    const db = req.kind === 'msg' ? String(req.command.$db ?? 'admin') : req.collection.split('.')[0];
    let reply: Doc;
    try {
      reply = runCommand({ db, cmd: req.command, state, connectionId });
    } finally {
      opts.afterCommand?.();
    }
    if (req.kind === 'msg') {
      if (req.flags & MORE_TO_COME) return;
      socket.write(encodeMsg(req.requestId, reply));
    } else {
      socket.write(encodeReply(req.requestId, reply));
    }
  };

  const server = net.createServer((socket) => {
    const connectionId = ++connectionCounter;
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        for (let len = completeMessageLength(pending); len > 0; len = completeMessageLength(pending)) {
          const message = pending.subarray(0, len);
          pending = pending.subarray(len);
          handle(socket, connectionId, message);
        }
      } catch (err) {
        opts.logger?.warn({ err: String(err) }, 'embedded mongo: malformed message, closing connection');
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;

  return {
    state,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        state.cursors.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
