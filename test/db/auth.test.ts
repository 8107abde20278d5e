import crypto from 'node:crypto';
import { MongoClient, MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';
import { deriveKeys, scramFinish, scramStart } from '../../src/db/embedded/scram';
import { opMsg, rawClient } from '../support/wire';

let server: EmbeddedMongo;
let app: MongoClient;

function withoutCredential(uri: string): string {
  const url = new URL(uri);
  url.username = '';
  url.password = '';
  return url.toString();
}

function withPassword(uri: string, password: string): string {
  const url = new URL(uri);
  url.password = password;
  return url.toString();
}

beforeAll(async () => {
  server = await startEmbeddedMongo();
  app = await MongoClient.connect(`${server.uri}school`);
  await app.db().collection('reflections').insertOne({ teacher: 'ada', text: 'private reflection' });
});
afterAll(async () => {
  await app.close();
  await server.stop();
});

async function expectUnchanged(): Promise<void> {
  expect(await app.db().collection('reflections').find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ teacher: 'ada', text: 'private reflection' }]);
  expect(await app.db().listCollections().toArray()).toHaveLength(1);
}

test('a driver without credentials connects but can neither read nor write anything', async () => {
  const stranger = await MongoClient.connect(`${withoutCredential(server.uri)}school`, { serverSelectionTimeoutMS: 5000 });
  try {
    const denied = { code: 13, codeName: 'Unauthorized' };
    await expect(stranger.db().collection('reflections').find().toArray()).rejects.toMatchObject(denied);
    await expect(stranger.db().collection('reflections').insertOne({ teacher: 'mallory' })).rejects.toMatchObject(denied);
    await expect(stranger.db().collection('reflections').deleteMany({})).rejects.toMatchObject(denied);
    await expect(stranger.db().admin().listDatabases()).rejects.toMatchObject(denied);
    await expect(stranger.db().listCollections().toArray()).rejects.toMatchObject(denied);
    await expect(stranger.db().command({ buildInfo: 1 })).rejects.toMatchObject(denied);
  } finally {
    await stranger.close();
  }
  await expectUnchanged();
});

test('a wrong password, another user name or a mechanism other than SCRAM-SHA-256 is refused', async () => {
  const attempts = [
    withPassword(server.uri, crypto.randomBytes(32).toString('base64url')),
    server.uri.replace(`${server.credential.user}:`, 'admin:'),
    `${server.uri}?authMechanism=SCRAM-SHA-1`,
    `${server.uri}?authMechanism=PLAIN`,
  ];
  const codes: unknown[] = [];
  for (const uri of attempts) {
    const c = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    const err = await c.connect().then(() => undefined, (e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(Error);
    codes.push(err instanceof MongoServerError ? err.codeName : String(err));
  }
  expect(codes).toEqual(['AuthenticationFailed', 'AuthenticationFailed', 'MechanismUnavailable', 'MechanismUnavailable']);
  await expectUnchanged();
});

test('an unauthenticated raw connection is refused every command but hello, even with a forged saslContinue', async () => {
  const raw = await rawClient(server.port);
  raw.send(opMsg({ hello: 1, $db: 'admin' }));
  const hello = (await raw.reply()) as Record<string, unknown>;
  expect(hello).toMatchObject({ ok: 1 });
  expect(hello).not.toHaveProperty('speculativeAuthenticate');
  raw.send(opMsg({ saslContinue: 1, conversationId: 1, payload: Buffer.from('c=biws,r=x,p=AAAA'), $db: 'admin' }, { requestId: 2 }));
  expect(await raw.reply()).toMatchObject({ ok: 0, code: 18 });
  raw.send(opMsg({ find: 'reflections', $db: 'school' }, { requestId: 3 }));
  expect(await raw.reply()).toMatchObject({ ok: 0, code: 13, codeName: 'Unauthorized' });
  raw.socket.destroy();
});

test('hello advertises SCRAM-SHA-256 and the driver authenticates speculatively in one round trip', async () => {
  const raw = await rawClient(server.port);
  raw.send(opMsg({ hello: 1, saslSupportedMechs: 'admin.pdpathways', $db: 'admin' }));
  expect(await raw.reply()).toMatchObject({ saslSupportedMechs: ['SCRAM-SHA-256'] });
  raw.socket.destroy();

  const started: string[] = [];
  const c = new MongoClient(`${server.uri}school`, { monitorCommands: true });
  c.on('commandStarted', (e) => started.push(e.commandName));
  await c.db().collection('reflections').countDocuments();
  await c.close();
  expect(started).not.toContain('saslStart'); // done inside the handshake's hello
});

test('mongoose 7 (ltijs) and mongoose 8 (the app) connect with the credential in the URI', async () => {
  const mongoose7: typeof mongoose = require('ltijs/node_modules/mongoose');
  for (const m of [mongoose, mongoose7]) {
    const conn = await m.createConnection(`${server.uri}school`, { serverSelectionTimeoutMS: 5000 }).asPromise();
    expect(await conn.db!.collection('reflections').countDocuments()).toBe(1);
    await conn.close();
  }
});

test('the server side of SCRAM-SHA-256 reproduces the exchange of RFC 7677 section 3', () => {
  const keys = deriveKeys({ user: 'user', password: 'pencil' }, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const { conversation, payload } = scramStart(keys, 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO', '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  expect(payload).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  expect(scramFinish(keys, conversation, clientFinal)).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  const forged = clientFinal.replace('p=dH', 'p=eH');
  expect(() => scramFinish(keys, conversation, forged)).toThrow('Authentication failed.');
  expect(() => scramFinish(keys, conversation, clientFinal.replace('r=rOpr', 'r=xOpr'))).toThrow(/nonce/);
  expect(() => scramStart(keys, 'p=tls-unique,,n=user,r=abc')).toThrow(/channel binding/);
});

test('the server listens on loopback only', async () => {
  await expect(startEmbeddedMongo({ host: '0.0.0.0' })).rejects.toThrow(/only loopback/);
});
