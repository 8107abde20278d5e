import crypto from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../src/catalog/service';
import { Achievement, Credential } from '../../src/credentials/model';
import * as credentials from '../../src/credentials/service';
import { emit } from '../../src/events';
import * as frameworks from '../../src/frameworks/service';
import * as notices from '../../src/notifications/service';
import * as outbox from '../../src/outbox/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

/** The OB 3.0 OpenBadgeCredential's required fields (OB 3.0 data model, VC Data Model 2.0). */
const Ob3Credential = z.object({
  '@context': z.tuple([z.literal('https://www.w3.org/ns/credentials/v2'), z.string().regex(/^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context-3\.0\.\d\.json$/)]).rest(z.string()),
  id: z.string().url(),
  type: z.array(z.string()).refine((t) => t.includes('VerifiableCredential') && t.includes('OpenBadgeCredential')),
  issuer: z.object({ id: z.string().url(), type: z.array(z.string()).refine((t) => t.includes('Profile')), name: z.string().min(1) }),
  validFrom: z.iso.datetime(),
  name: z.string().min(1),
  credentialSubject: z.object({
    id: z.string().min(1),
    type: z.array(z.string()).refine((t) => t.includes('AchievementSubject')),
    identifier: z.array(z.object({ type: z.literal('IdentityObject'), identityHash: z.string(), identityType: z.literal('emailAddress'), hashed: z.boolean(), salt: z.string() })).optional(),
    achievement: z.object({
      id: z.string().url(),
      type: z.array(z.string()).refine((t) => t.includes('Achievement')),
      name: z.string().min(1),
      description: z.string().min(1),
      criteria: z.object({ narrative: z.string().min(1) }),
      image: z.object({ id: z.string().url(), type: z.literal('Image') }).optional(),
    }),
  }),
  evidence: z.array(z.object({ type: z.array(z.string()).refine((t) => t.includes('Evidence')) })).optional(),
  credentialStatus: z.object({ id: z.string().url(), type: z.string() }).optional(),
});

let h: Harness;
let staff: Session;
let now = new Date();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(200)]);

async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    now = new Date(now.getTime() + 61_000);
    await outbox.deliverDue();
  }
}

/** A multipart form post, as a browser sends a form with a file input. */
function multipart(s: Session, path: string, fields: Record<string, string | string[]>, file?: { buffer: Buffer; name: string; type: string }) {
  let req = s.launch.agent.post(`${path}?ltik=${encodeURIComponent(s.ltik)}`).field('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) req = req.field(k, one);
  return file ? req.attach('image', file.buffer, { filename: file.name, contentType: file.type }) : req;
}

const tenantId = () => h.canvas.tenantId;
const countAchievements = () => Achievement.countDocuments({ tenantId: tenantId() });

beforeAll(async () => {
  h = await startHarness();
  outbox.useClock(() => now);
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  staff = await h.launchAs(h.canvas, 'pdlead');
  await h.launchAs(h.canvas, 'teacher');
});
afterAll(() => h.close());

describe('PD staff define achievements', () => {
  test('bad input comes back with field messages, the typed values and nothing saved', async () => {
    const before = await countAchievements();
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]);
    const res = await multipart(staff, '/achievements', { name: '', description: 'Recognises checking for understanding', criteria: 'Finish the micro-credential', competencies: ['NOPE'] }, { buffer: big, name: 'huge.png', type: 'image/png' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="name"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('Enter a name');
    expect(res.text).toContain('Recognises checking for understanding');
    expect(await countAchievements()).toBe(before);

    const script = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const svg = await multipart(staff, '/achievements', { name: 'Sneaky', description: 'x', criteria: 'y' }, { buffer: script, name: 'x.svg', type: 'image/svg+xml' });
    expect(svg.status).toBe(400);
    expect(pageText(svg.text)).toContain('SVG images may not contain scripts');
    // A handler after a slash and an outside <use> passed the old pattern check; the allowlist refuses them.
    for (const sneaky of ['<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/onclick="alert(1)"/></svg>', '<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/s.svg#x"/></svg>']) {
      const refused = await multipart(staff, '/achievements', { name: 'Sneaky', description: 'x', criteria: 'y' }, { buffer: Buffer.from(sneaky), name: 'x.svg', type: 'image/svg+xml' });
      expect(refused.status).toBe(400);
      expect(pageText(refused.text)).toContain('SVG images may not contain scripts, event handlers, links or embedded content');
    }
    const gif = await multipart(staff, '/achievements', { name: 'Gif', description: 'x', criteria: 'y' }, { buffer: Buffer.from('GIF89a....'), name: 'x.gif', type: 'image/gif' });
    expect(pageText(gif.text)).toContain('Upload a PNG or SVG image');
    expect(await countAchievements()).toBe(before);

    const clean = '<?xml version="1.0"?>\n<!-- exported -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#1d7a46"/></svg>';
    const stored = await multipart(staff, '/achievements', { name: 'Plain SVG badge', description: 'x', criteria: 'y' }, { buffer: Buffer.from(clean), name: 'badge.svg', type: 'image/svg+xml' });
    expect(stored.status).toBe(303);
    const saved = (await Achievement.findOne({ tenantId: tenantId(), name: 'Plain SVG badge' }).lean())!;
    const served = await (await fetch(`${h.toolUrl}/ob/${tenantId()}/achievements/${saved._id}/image`)).text();
    expect(served).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#1d7a46"/></svg>');
    await Achievement.deleteOne({ tenantId: tenantId(), _id: saved._id });
  });

  test('an achievement with an uploaded PNG, competencies and a micro-credential activity that awards it', async () => {
    const micro = (await credentials.microCredentialActivities(tenantId()))[0]!;
    const res = await multipart(
      staff,
      '/achievements',
      { name: 'Checking for Understanding', description: 'Uses planned checks for understanding.', criteria: 'Complete the micro-credential and submit evidence.', tags: 'formative, micro-credential', competencies: ['ASMT1'], activityIds: [String(micro._id)], color: '#1d7a46' },
      { buffer: PNG, name: 'badge.png', type: 'image/png' },
    );
    expect(res.status).toBe(303);
    const page = await staff.get(new URL(res.headers.location, h.toolUrl).pathname);
    expect(pageText(page.text)).toMatch(/Checking for Understanding.*Criteria Complete the micro-credential.*Competencies Formative assessment.*Micro-credential/);
    const saved = await Achievement.findOne({ tenantId: tenantId(), name: 'Checking for Understanding' }).lean();
    expect(saved!.tags).toEqual(['formative', 'micro-credential']);
    expect((await catalog.getActivity(tenantId(), micro._id)).achievementId).toEqual(saved!._id);

    const image = await fetch(`${h.toolUrl}/ob/${tenantId()}/achievements/${saved!._id}/image`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    expect(image.headers.get('content-security-policy')).toContain('sandbox');
  });

  test('editing keeps what was not changed; dropping the upload goes back to the drawn badge; archived badges are not awarded', async () => {
    const saved = (await Achievement.findOne({ tenantId: tenantId(), name: 'Checking for Understanding' }).lean())!;
    const form = await staff.get(`/achievements/${saved._id}/edit`);
    expect(form.text).toMatch(/name="competencies" value="ASMT1" checked/);
    const res = await multipart(staff, `/achievements/${saved._id}`, { name: 'Checking for Understanding', description: 'Uses planned checks for understanding.', criteria: 'Complete the micro-credential.', competencies: ['ASMT1'], activityIds: await credentials.attachedActivityIds(tenantId(), saved._id), removeImage: 'on' });
    expect(res.status).toBe(303);
    const image = await fetch(`${h.toolUrl}/ob/${tenantId()}/achievements/${saved._id}/image`);
    expect(image.headers.get('content-type')).toContain('image/svg+xml');
    expect(await image.text()).toContain('<title>Checking for Understanding</title>');

    const other = await credentials.createAchievement(tenantId(), await credentials.validateAchievement(tenantId(), { name: 'Retired badge', description: 'x', criteria: 'y' }), undefined, { userId: new Types.ObjectId(), name: 'PD lead' });
    expect((await staff.post(`/achievements/${other._id}/archive`)).status).toBe(303);
    const teacher = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!;
    expect(await credentials.award(tenantId(), { achievementId: String(other._id), userId: String(teacher._id), source: { kind: 'manual' } })).toEqual({ reason: 'Retired badge is archived and no longer awarded' });
  });

  test('teachers cannot manage achievements', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher');
    expect((await teacher.get('/achievements')).status).toBe(403);
    expect((await multipart(teacher, '/achievements', { name: 'Mine', description: 'x', criteria: 'y' })).status).toBe(403);
  });
});

describe('earning, verifying and revoking a badge', () => {
  let userId: Types.ObjectId;
  let jwtUrl: string;

  test('finishing the micro-credential issues one credential, however often the event is delivered', async () => {
    const micro = (await credentials.microCredentialActivities(tenantId())).find((a) => a.achievementId)!;
    userId = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id;
    const planId = new Types.ObjectId();
    const done = { key: `${planId}:${micro._id}`, title: micro.title, hours: micro.hours, completedAt: new Date() };
    const event = { tenantId: tenantId(), userId, planId, goalId: new Types.ObjectId(), activityId: micro._id, source: 'lms', done };
    await emit('activity.completed', event);
    await emit('activity.completed', event);
    await drain();
    await emit('activity.completed', event);
    await drain();
    const issued = await Credential.find({ tenantId: tenantId(), userId }).lean();
    expect(issued).toHaveLength(1);
    expect(issued[0]!.evidence[0]).toMatchObject({ name: micro.title });
  });

  test('the badge wall shows it with a share link and downloads', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher');
    const wall = await teacher.get('/badges');
    expect(wall.status).toBe(200);
    expect(pageText(wall.text)).toMatch(/My badges.*Checking for Understanding.*Issued by Test Canvas · earned [A-Z][a-z]{2} \d{1,2}, \d{4}.*Link to the public page.*Add to LinkedIn/);
    jwtUrl = /href="([^"]+credential\.jwt)"/.exec(wall.text)![1]!;
    const home = await teacher.get('/dashboard');
    expect(pageText(home.text)).toContain('My badges (1)');
  });

  test('an independent verifier checks the VC-JWT against the published JWKS and the OB 3.0 required fields', async () => {
    const jwt = await (await fetch(jwtUrl)).text();
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const jwks = createRemoteJWKSet(new URL(`${h.toolUrl}/ob/${tenantId()}/jwks`));
    const { payload } = await jwtVerify(jwt, jwks, { algorithms: ['RS256'] });
    const credential = Ob3Credential.parse(payload);
    expect(payload.iss).toBe(credential.issuer.id);
    expect(payload.jti).toBe(credential.id);
    expect(payload.sub).toBe(credential.credentialSubject.id);
    expect(new Date(payload.nbf! * 1000).toISOString().replace('.000Z', 'Z')).toBe(credential.validFrom);
    expect(payload).not.toHaveProperty('vc');
    // The kid is itself a URL serving the public JWK (never a private part).
    const jwk = (await (await fetch(header.kid!)).json()) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kid: header.kid, kty: 'RSA', alg: 'RS256' });
    expect(jwk).not.toHaveProperty('d');
    // The credential id dereferences to the same JSON; the hashed email identifies the teacher.
    const byId = (await (await fetch(credential.id, { headers: { Accept: 'application/json' } })).json()) as { id: string };
    expect(byId.id).toBe(credential.id);
    const id = credential.credentialSubject.identifier![0]!;
    expect(id.identityHash).toBe(`sha256$${crypto.createHash('sha256').update(h.canvas.users.teacher.email + id.salt).digest('hex')}`);
  });

  test('the Open Badges 2.0 hosted assertion, badge class and issuer are served at stable URLs', async () => {
    const c = (await Credential.findOne({ tenantId: tenantId(), userId }).lean())!;
    const assertion = (await (await fetch(`${h.toolUrl}/ob/${tenantId()}/v2/assertions/${c.publicId}`)).json()) as { recipient: { identity: string; salt: string }; badge: string };
    expect(assertion).toMatchObject({ type: 'Assertion', verification: { type: 'hosted' }, recipient: { type: 'email', hashed: true } });
    expect(assertion.recipient.identity).toBe(`sha256$${crypto.createHash('sha256').update(h.canvas.users.teacher.email + assertion.recipient.salt).digest('hex')}`);
    const badge = (await (await fetch(assertion.badge)).json()) as { issuer: string };
    expect(badge).toMatchObject({ type: 'BadgeClass', name: 'Checking for Understanding', criteria: { narrative: expect.any(String) } });
    const issuer = (await (await fetch(badge.issuer)).json()) as Record<string, unknown>;
    expect(issuer).toMatchObject({ type: 'Issuer', name: 'Test Canvas', email: expect.stringContaining('@'), revocationList: expect.stringContaining('/v2/revocations') });
  });

  test('PD staff revoke it: the verify page, both revocation lists and the 2.0 assertion say so; the teacher is told', async () => {
    const c = (await Credential.findOne({ tenantId: tenantId(), userId }).lean())!;
    const noReason = await staff.post(`/credentials/${c._id}/revoke`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect((await Credential.findOne({ tenantId: tenantId(), _id: c._id }).lean())!.revokedAt).toBeUndefined();

    expect((await staff.post(`/credentials/${c._id}/revoke`, { reason: 'Awarded in error' })).status).toBe(303);
    const verify = pageText(await (await fetch(`${h.toolUrl}/ob/${tenantId()}/credentials/${c.publicId}`)).text());
    expect(verify).toContain('Revoked on');
    // The reason is for the holder and PD staff: public pages and lists say revoked, nothing more.
    expect(verify).not.toContain('Awarded in error');
    const ob3List = (await (await fetch(`${h.toolUrl}/ob/${tenantId()}/revocations`)).json()) as { revokedCredentials: { id: string }[] };
    expect(ob3List.revokedCredentials.map((r) => r.id)).toEqual([(c.ob3 as { id: string }).id]);
    const ob2List = (await (await fetch(`${h.toolUrl}/ob/${tenantId()}/v2/revocations`)).json()) as { revokedAssertions: { id: string }[] };
    expect(ob2List.revokedAssertions).toEqual([{ id: expect.stringContaining(c.publicId) }]);
    const gone = await fetch(`${h.toolUrl}/ob/${tenantId()}/v2/assertions/${c.publicId}`);
    expect(gone.status).toBe(410);
    expect(await gone.json()).toEqual({ '@context': 'https://w3id.org/openbadges/v2', type: 'Assertion', id: expect.any(String), revoked: true });
    const wall = pageText((await (await h.launchAs(h.canvas, 'teacher')).get('/badges')).text);
    expect(wall).toContain('revoked Awarded in error');
    expect((await notices.unread(tenantId(), userId)).map((n) => n.title)).toContain('Badge revoked: Checking for Understanding');
    expect((await staff.post(`/credentials/${c._id}/revoke`, { reason: 'again' })).status).toBe(403);
  });
});

describe('the issuer', () => {
  test('PD staff set the issuer contact; a bad email is refused with the typed values kept', async () => {
    const bad = await staff.post('/issuer', { name: 'Northfield PD Office', url: 'https://pd.northfield.example', email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="email"[^>]*aria-invalid="true"/);
    expect(bad.text).toContain('Northfield PD Office');
    expect((await credentials.issuerProfile(tenantId())).name).toBe('Test Canvas');
    const notWeb = await staff.post('/issuer', { name: 'Northfield PD Office', url: 'ftp://pd.northfield.example', email: 'pd@northfield.example' });
    expect(notWeb.status).toBe(400);
    expect(pageText(notWeb.text)).toContain('The issuer address must start with https://');
    expect((await credentials.issuerProfile(tenantId())).name).toBe('Test Canvas');
    expect((await staff.post('/issuer', { name: 'Northfield PD Office', url: 'https://pd.northfield.example', email: 'pd@northfield.example' })).status).toBe(303);
    const issuer = (await (await fetch(`${h.toolUrl}/ob/${tenantId()}/v2/issuer`)).json()) as Record<string, string>;
    expect(issuer).toMatchObject({ name: 'Northfield PD Office', email: 'pd@northfield.example' });
  });

  test('rotating the key publishes a new one and keeps the old: earlier badges still verify', async () => {
    const c = (await Credential.findOne({ tenantId: tenantId() }).lean())!;
    expect((await staff.post('/issuer/keys/rotate')).status).toBe(303);
    const jwks = (await (await fetch(`${h.toolUrl}/ob/${tenantId()}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys).toHaveLength(2);
    await jwtVerify(c.ob3Jwt, createRemoteJWKSet(new URL(`${h.toolUrl}/ob/${tenantId()}/jwks`)));
    expect(pageText((await staff.get('/issuer')).text)).toMatch(/active.*retired/);
  });

  test('public URLs of an unknown issuer or credential are simply not found', async () => {
    expect((await fetch(`${h.toolUrl}/ob/${new Types.ObjectId()}/credentials/nope`)).status).toBe(404);
    expect((await fetch(`${h.toolUrl}/ob/not-an-id/jwks`)).status).toBe(404);
  });

  test('demo achievements are seeded once, one attached to the sample micro-credential', async () => {
    await credentials.ensureSampleAchievements(h.moodle.tenantId);
    await credentials.ensureSampleAchievements(h.moodle.tenantId);
    expect(await Achievement.countDocuments({ tenantId: h.moodle.tenantId })).toBe(2);
    const drawn = await fetch(`${h.toolUrl}/ob/${h.moodle.tenantId}/achievements/${(await Achievement.findOne({ tenantId: h.moodle.tenantId }).lean())!._id}/image`);
    expect(drawn.headers.get('content-type')).toContain('image/svg+xml');
  });
});
