import supertest from 'supertest';
import { Harness, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2']);
});
afterAll(() => h.close());

/** The unfolded lines of an iCalendar file (RFC 5545 §3.1: a line starting with a space continues the one before). */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');
const field = (ics: string, name: string) => lines(ics).filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`)).map((l) => l.slice(l.indexOf(':') + 1));

test('a registration’s invite carries the session in UTC, and follows changes and cancellation with a higher SEQUENCE', async () => {
  const id = await w.schedule({ startsAt: '2031-02-10T15:30', endsAt: '2031-02-10T17:00', onlineUrl: 'https://meet.example.org/pd-42', place: '' });
  expect((await w.people.teacher!.get(`/sessions/${id}/invite.ics`)).status).toBe(404);
  await w.register('teacher', id);
  const first = await w.people.teacher!.get(`/sessions/${id}/invite.ics`);
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toMatch(/^text\/calendar/);
  expect(first.headers['content-disposition']).toContain('.ics');
  const ics = first.text;
  expect(field(ics, 'METHOD')).toEqual(['PUBLISH']);
  expect(field(ics, 'UID')).toEqual([`pd-session-${id}@${new URL(h.toolUrl).host}`]);
  // 15:30 in Chicago in February is 21:30 UTC.
  expect(field(ics, 'DTSTART')).toEqual(['20310210T213000Z']);
  expect(field(ics, 'DTEND')).toEqual(['20310210T230000Z']);
  expect(field(ics, 'STATUS')).toEqual(['CONFIRMED']);
  expect(field(ics, 'SEQUENCE')).toEqual(['0']);
  expect(field(ics, 'LOCATION')).toEqual(['Online']);
  expect(field(ics, 'URL')[0]).toContain('https://meet.example.org/pd-42');
  expect(pageText((await w.people.teacher!.get(`/sessions/${id}`)).text)).toContain('Add to my calendar (.ics)');

  // PD staff move it by an hour: same UID, higher SEQUENCE, new time; the teacher is told.
  const moved = await w.staff.post(`/sessions/${id}`, { activityId: w.workshopId, startsAt: '2031-02-10T16:30', endsAt: '2031-02-10T18:00', onlineUrl: 'https://meet.example.org/pd-42', seatLimit: '2' });
  expect(moved.status).toBe(303);
  const updated = (await w.people.teacher!.get(`/sessions/${id}/invite.ics`)).text;
  expect(field(updated, 'UID')).toEqual(field(ics, 'UID'));
  expect(field(updated, 'SEQUENCE')).toEqual(['1']);
  expect(field(updated, 'DTSTART')).toEqual(['20310210T223000Z']);
  expect(await h.db().collection('notifications').countDocuments({ userId: (await w.userOf('teacher'))._id, kind: 'session.changed' })).toBe(1);

  await w.staff.post(`/sessions/${id}/cancel`);
  const cancelled = (await w.people.teacher!.get(`/sessions/${id}/invite.ics`)).text;
  expect(field(cancelled, 'METHOD')).toEqual(['CANCEL']);
  expect(field(cancelled, 'STATUS')).toEqual(['CANCELLED']);
  expect(field(cancelled, 'SEQUENCE')).toEqual(['2']);
});

test('cancelling one’s own registration turns the invite into a cancellation; another person’s invite is not reachable', async () => {
  const id = await w.schedule();
  await w.register('teacher', id);
  expect((await w.people.teacher2!.get(`/sessions/${id}/invite.ics`)).status).toBe(404);
  await w.people.teacher!.post(`/sessions/${id}/leave`);
  const ics = (await w.people.teacher!.get(`/sessions/${id}/invite.ics`)).text;
  expect(field(ics, 'METHOD')).toEqual(['CANCEL']);
  expect(field(ics, 'SEQUENCE')).toEqual(['1']);
  const moodleTeacher = await h.launchAs(h.moodle, 'teacher');
  expect((await moodleTeacher.get(`/sessions/${id}/invite.ics`)).status).toBe(404);
});

test('a secret calendar feed lists the person’s sessions, waitlist as tentative; a new address or revoking stops the old one', async () => {
  const seated = await w.schedule({ seatLimit: '1' });
  await w.register('teacher2', seated);
  const full = await w.schedule({ seatLimit: '1' });
  await w.register('teacher', full);
  await w.register('teacher2', full);

  expect(pageText((await w.people.teacher2!.get('/calendar')).text)).toContain('You have no feed address');
  const made = await w.people.teacher2!.post('/calendar/feed');
  expect(made.status).toBe(200);
  const url = /id="feed-url"[^>]*value="([^"]+)"/.exec(made.text)![1]!;
  expect(url.startsWith(`${h.toolUrl}/calendar/`)).toBe(true);
  expect(await h.db().collection('calendarfeeds').countDocuments({ tokenHash: { $regex: '^[a-f0-9]{64}$' } })).toBe(1);
  expect(JSON.stringify(await h.db().collection('calendarfeeds').findOne({}))).not.toContain(url.split('/').pop()!.replace('.ics', ''));

  const path = new URL(url).pathname;
  const feed = await supertest(h.app).get(path);
  expect(feed.status).toBe(200);
  expect(field(feed.text, 'X-WR-CALNAME')).toEqual(['PD sessions']);
  const uids = field(feed.text, 'UID');
  expect(uids).toEqual(expect.arrayContaining([expect.stringContaining(seated), expect.stringContaining(full)]));
  expect(field(feed.text, 'STATUS').sort()).toEqual(['CONFIRMED', 'TENTATIVE']);
  expect(field(feed.text, 'SUMMARY').some((s) => s.endsWith('(waitlist)'))).toBe(true);
  // Nobody else's sessions are in it.
  expect(feed.text).not.toContain(h.canvas.users.teacher.name);

  const again = await w.people.teacher2!.post('/calendar/feed');
  const newPath = new URL(/id="feed-url"[^>]*value="([^"]+)"/.exec(again.text)![1]!).pathname;
  expect((await supertest(h.app).get(path)).status).toBe(404);
  expect((await supertest(h.app).get(newPath)).status).toBe(200);
  const revoked = await w.people.teacher2!.post('/calendar/feed/revoke');
  expect(revoked.status).toBe(303);
  expect(pageText((await w.people.teacher2!.get('/calendar?done=revoked')).text)).toContain('was revoked');
  expect((await supertest(h.app).get(newPath)).status).toBe(404);
  expect((await supertest(h.app).get('/calendar/not-a-token.ics')).status).toBe(404);
  expect((await supertest(h.app).get(`/calendar/${String(h.canvas.tenantId)}.${'x'.repeat(32)}.ics`)).status).toBe(404);
});
