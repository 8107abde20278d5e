import mongoose from 'mongoose';
import { aggregationExpectations } from './conformance/aggregation';
import { concurrencyExpectations } from './conformance/concurrency';
import { AnyDoc, Suite } from './conformance/context';
import { crudExpectations } from './conformance/crud';
import { embeddedOnlyExpectations } from './conformance/embeddedOnly';
import { indexExpectations } from './conformance/indexes';
import { numberExpectations } from './conformance/numbers';
import { textExpectations } from './conformance/text';
import { updateExpectations } from './conformance/updates';
import { DbServer, dbTargets } from './targets';

describe.each(dbTargets())('MongoDB conformance: $name', (target) => {
  let server: DbServer;
  let suite: Suite;
  let counter = 0;

  beforeAll(async () => {
    server = await target.start();
    const dbName = `conformance_${process.pid}_${Date.now()}`;
    const conn = await mongoose.createConnection(`${server.uri}${dbName}`, { serverSelectionTimeoutMS: 5000 }).asPromise();
    const db = conn.db!;
    suite = { target, conn, db, fresh: (prefix = 'c') => db.collection<AnyDoc>(`${prefix}${++counter}`) };
  });

  afterAll(async () => {
    await suite?.db.dropDatabase();
    await suite?.conn.close();
    await server?.stop();
  });

  const s = (): Suite => suite;
  crudExpectations(s);
  indexExpectations(s);
  updateExpectations(s);
  numberExpectations(s);
  aggregationExpectations(s);
  textExpectations(s);
  concurrencyExpectations(s);
  if (target.embedded) embeddedOnlyExpectations(s);
});
