import { CommandError } from '../errors';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE } from '../wire';
import { Doc } from '../values';
import { CommandContext, Handler, Parameters } from './context';

export const SERVER_VERSION = '7.0.0';

/** A standalone mongod's hello: no setName/hosts, so drivers pick the "Single"/standalone topology. */
function hello(ctx: CommandContext, legacy: boolean): Doc {
  return {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: 17,
    readOnly: false,
    ok: 1,
  };
}

function getParameter(ctx: CommandContext): Doc {
  const params = ctx.state.parameters;
  const wanted = ctx.cmd.getParameter;
  const reply: Doc = {};
  const all = wanted === '*' || (typeof wanted === 'object' && wanted !== null && (wanted as Doc).allParameters === true);
  if (all) Object.assign(reply, params, { featureCompatibilityVersion: { version: '7.0' } });
  for (const key of Object.keys(ctx.cmd)) {
    if (key === 'getParameter' || key.startsWith('$') || key === 'lsid') continue;
    if (key === 'featureCompatibilityVersion') reply[key] = { version: '7.0' };
    else if (key in params) reply[key] = params[key as keyof Parameters];
    else throw new CommandError('InvalidOptions', 'no option found to get');
  }
  return { ...reply, ok: 1 };
}

function setParameter(ctx: CommandContext): Doc {
  const params = ctx.state.parameters;
  const reply: Doc = {};
  for (const [key, value] of Object.entries(ctx.cmd)) {
    if (key === 'setParameter' || key.startsWith('$') || key === 'lsid') continue;
    if (!(key in params)) throw new CommandError('InvalidOptions', `attempted to set unrecognized parameter [${key}], use help:true to see options`);
    if (typeof value !== 'number' || value <= 0) throw new CommandError('BadValue', `Invalid value for parameter ${key}`);
    reply.was = params[key as keyof Parameters];
    params[key as keyof Parameters] = value;
  }
  if (params.cursorTimeoutMillis !== ctx.state.cursors.timeoutMs) ctx.state.cursors.timeoutMs = params.cursorTimeoutMillis;
  return { ...reply, ok: 1 };
}

export const handshakeCommands: Record<string, Handler> = {
  hello: (ctx) => hello(ctx, false),
  isMaster: (ctx) => hello(ctx, true),
  ismaster: (ctx) => hello(ctx, true),
  ping: () => ({ ok: 1 }),
  buildInfo: () => ({
    version: SERVER_VERSION,
    gitVersion: 'embedded',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['embedded'],
    ok: 1,
  }),
  getParameter,
  setParameter,
  endSessions: () => ({ ok: 1 }),
  killSessions: () => ({ ok: 1 }),
  killAllSessions: () => ({ ok: 1 }),
  refreshSessions: () => ({ ok: 1 }),
  startSession: () => ({ ok: 1 }),
  getLastError: () => ({ n: 0, err: null, ok: 1 }),
  hostInfo: () => ({ system: { currentTime: new Date(), numCores: 1 }, os: { type: process.platform }, extra: {}, ok: 1 }),
  serverStatus: (ctx) => ({
    host: 'embedded',
    version: SERVER_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: (Date.now() - ctx.state.startedAt.getTime()) / 1000,
    localTime: new Date(),
    metrics: { commands: Object.fromEntries(ctx.state.commandCounts) },
    ok: 1,
  }),
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
};
