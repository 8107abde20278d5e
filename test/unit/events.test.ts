import { Types } from 'mongoose';
import { emit, emitAll, on, onMany, registeredHandlers } from '../../src/events';

// Domain events: per-payload handlers and handlers of a whole batch, run in registration order.
jest.mock('../../src/log', () => ({ logger: () => ({ error: jest.fn() }) }));

const tenantId = new Types.ObjectId();
const notice = (title: string) => ({ tenantId, userId: new Types.ObjectId(), noticeId: new Types.ObjectId(), kind: 'test', title });

test('an emit of many gives a many-handler every payload at once and a per-payload handler each in turn, in registration order', async () => {
  const seen: string[] = [];
  on('notice.created', async (p) => void seen.push(`one ${p.title}`));
  onMany('notice.created', async function batchOfNotices(ps) {
    seen.push(`many ${ps.map((p) => p.title).join('+')}`);
  });
  expect(await emitAll('notice.created', [notice('a'), notice('b')])).toBe(true);
  expect(seen).toEqual(['one a', 'one b', 'many a+b']);
  seen.length = 0;
  expect(await emit('notice.created', notice('c'))).toBe(true);
  expect(seen).toEqual(['one c', 'many c']);
  // The event table lists handlers by the name they were registered with.
  expect(registeredHandlers().get('notice.created')!.map((h) => h.name)).toContain('batchOfNotices');
});

test('a failing handler does not stop the others or the other payloads, and the emit reports the failure', async () => {
  const seen: string[] = [];
  on('session.attended', async (p) => {
    if (String(p.userId) === 'bad') throw new Error('refused');
    seen.push('one');
  });
  onMany('session.attended', async () => {
    throw new Error('refused too');
  });
  onMany('session.attended', async (ps) => void seen.push(`many ${ps.length}`));
  const bad = { tenantId, sessionId: tenantId, activityId: tenantId, userId: 'bad' as unknown as Types.ObjectId };
  const good = { ...bad, userId: new Types.ObjectId() };
  expect(await emitAll('session.attended', [bad, good])).toBe(false);
  expect(seen).toEqual(['one', 'many 2']);
});

test('emitting nothing runs no handler', async () => {
  const run = jest.fn(async () => undefined);
  onMany('credential.issued', run);
  expect(await emitAll('credential.issued', [])).toBe(true);
  expect(run).not.toHaveBeenCalled();
});
