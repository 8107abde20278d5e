import crypto from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { Credential, IssuerKey } from '../../src/credentials/model';
import * as credentials from '../../src/credentials/service';
import type { CredentialDoc } from '../../src/credentials/service';
import * as frameworks from '../../src/frameworks/service';
import { unseal } from '../../src/secrets';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

// What the public can learn from a teacher's badges, and what the issuer's keys let anyone check.

let h: Harness;
let teacher: Session;
let staff: Session;
const tenantId = () => h.canvas.tenantId;
const ob = (path: string) => `${h.toolUrl}/ob/${tenantId()}${path}`;

async function awardBoth(persona: 'teacher' | 'teacher2') {
  const me = (await users.findBySub(tenantId(), h.canvas.users[persona].sub))!;
  for (const a of await credentials.listAchievements(tenantId())) await credentials.award(tenantId(), { achievementId: String(a._id), userId: String(me._id), source: { kind: 'manual' } });
  return { me, held: await credentials.credentialsOf(tenantId(), me._id) };
}

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await credentials.ensureSampleAchievements(tenantId());
  teacher = await h.launchAs(h.canvas, 'teacher');
  staff = await h.launchAs(h.canvas, 'pdlead');
});
afterAll(() => h.close());

describe('a teacher’s badges in public', () => {
  test('two badges of one person share no subject id or salt, so they cannot be linked', async () => {
    const { held } = await awardBoth('teacher');
    expect(held).toHaveLength(2);
    const [a, b] = held.map((c) => (c.ob3 as { credentialSubject: { id: string; identifier: { salt: string; identityHash: string }[] } }).credentialSubject);
    expect(a!.id).toMatch(/^urn:uuid:/);
    expect(a!.id).not.toBe(b!.id);
    expect(a!.identifier[0]!.salt).not.toBe(b!.identifier[0]!.salt);
    expect(a!.identifier[0]!.identityHash).not.toBe(b!.identifier[0]!.identityHash);
  });

  test('the verify page hides the name until the holder shares it, and hides it again when asked', async () => {
    const [c] = await credentials.credentialsOf(tenantId(), (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id);
    const name = c!.recipientName;
    expect(name).not.toBe('');
    const before = pageText(await (await fetch(ob(`/credentials/${c!.publicId}`))).text());
    expect(before).toContain('Awarded by Test Canvas');
    expect(before).not.toContain(name);

    const shared = await teacher.post(`/badges/${c!._id}/sharing`, { share: 'name' });
    expect(shared.status).toBe(303);
    expect(pageText((await teacher.get(new URL(shared.headers.location, h.toolUrl).pathname + '?done=name-shared')).text)).toContain('Done: the badge’s public page now shows your name.');
    expect(pageText(await (await fetch(ob(`/credentials/${c!.publicId}`))).text())).toContain(`Awarded to ${name} by Test Canvas`);

    expect((await teacher.post(`/badges/${c!._id}/sharing`, { share: 'private' })).status).toBe(303);
    expect(pageText(await (await fetch(ob(`/credentials/${c!.publicId}`))).text())).not.toContain(name);
  });

  test('nobody else can change a holder’s sharing: another teacher, PD staff, a forged form or a bad value change nothing', async () => {
    const [c] = await credentials.credentialsOf(tenantId(), (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id);
    const other = await h.launchAs(h.canvas, 'teacher2');
    expect((await other.post(`/badges/${c!._id}/sharing`, { share: 'name' })).status).toBe(404);
    expect((await staff.post(`/badges/${c!._id}/sharing`, { share: 'name' })).status).toBe(404);
    const forged = await teacher.launch.agent.post(`/badges/${c!._id}/sharing`).type('form').send({ ltik: teacher.ltik, share: 'name' });
    expect(forged.status).toBe(403);
    expect((await teacher.post(`/badges/${c!._id}/sharing`, { share: 'everyone' })).status).toBe(400);
    expect((await credentials.getCredential(tenantId(), c!._id)).nameShared).toBe(false);
  });
});

describe('what verifiers can fetch', () => {
  test('the issuer profile is a JSON-LD document with its context', async () => {
    const profile = (await (await fetch(ob('/issuer'))).json()) as Record<string, unknown>;
    expect(profile['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', expect.stringMatching(/ob\/v3p0\/context-3\.0\.\d\.json$/)]);
    expect(profile).toMatchObject({ type: ['Profile'], name: 'Test Canvas' });
  });

  test('the credential id answers the VC media types with the credential, the JWT types with the signed token, people with the page', async () => {
    const c = (await Credential.findOne({ tenantId: tenantId() }).lean())!;
    const id = (c.ob3 as { id: string }).id;
    for (const type of ['application/vc', 'application/vc+ld+json', 'application/ld+json', 'application/json']) {
      const res = await fetch(id, { headers: { Accept: type } });
      expect(res.headers.get('content-type')).toContain(type);
      expect(((await res.json()) as { id: string }).id).toBe(id);
    }
    const jwt = await fetch(id, { headers: { Accept: 'application/vc+jwt' } });
    expect(jwt.headers.get('content-type')).toContain('application/vc+jwt');
    expect(await jwt.text()).toBe(c.ob3Jwt);
    expect((await fetch(id, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })).headers.get('content-type')).toContain('text/html');
  });
});

describe('signing keys', () => {
  test('a routinely retired key stays published with the window it signed in; it cannot sign a badge dated after', async () => {
    const c = (await Credential.findOne({ tenantId: tenantId() }).lean<CredentialDoc>())!;
    const oldKey = (await IssuerKey.findOne({ tenantId: tenantId(), status: 'active' }).lean())!;
    const rotated = await staff.post('/issuer/keys/rotate', { why: 'routine' });
    expect(rotated.status).toBe(303);
    expect(pageText((await staff.get('/issuer?done=key-rotated')).text)).toContain('Done: new badges are signed with a fresh key');
    const { keys } = (await (await fetch(ob('/jwks'))).json()) as { keys: { kid: string; nbf: number; exp?: number }[] };
    const published = keys.find((k) => k.kid.endsWith(oldKey.keyId))!;
    expect(published.exp).toBeGreaterThanOrEqual(published.nbf);
    expect(keys.find((k) => k.kid !== published.kid)!.exp).toBeUndefined();
    expect(await credentials.checkSignature(c)).toMatchObject({ valid: true });

    // Whoever holds the retired private key signs a copy dated after its retirement (an hour ago): refused.
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const window = { createdAt: new Date((hourAgo - 7200) * 1000), retiredAt: new Date((hourAgo - 3600) * 1000) };
    await IssuerKey.updateOne({ tenantId: tenantId(), _id: oldKey._id }, { $set: window }, { timestamps: false });
    const claims = { ...decodeJwt(c.ob3Jwt), nbf: hourAgo };
    const forged = await new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(c.ob3Jwt) as { alg: string }).sign(crypto.createPrivateKey(unseal(oldKey.sealedPrivateKey)));
    expect(await credentials.checkSignature({ ...c, ob3Jwt: forged })).toEqual({ valid: false, detail: 'It is dated outside the time its signing key was in use.' });
  });

  test('a key withdrawn as compromised is no longer published, and what it signed stops verifying', async () => {
    const me = (await users.findBySub(tenantId(), h.canvas.users.teacher2.sub))!;
    const [achievement] = await credentials.listAchievements(tenantId());
    const { credential } = await credentials.award(tenantId(), { achievementId: String(achievement!._id), userId: String(me._id), source: { kind: 'manual' } });
    const kid = decodeProtectedHeader(credential!.ob3Jwt).kid!;
    expect((await fetch(kid)).status).toBe(200);

    expect((await staff.post('/issuer/keys/rotate', { why: 'now' })).status).toBe(400);
    expect((await (await fetch(kid)).status)).toBe(200);
    expect((await staff.post('/issuer/keys/rotate', { why: 'compromised' })).status).toBe(303);
    expect((await fetch(kid)).status).toBe(404);
    const { keys } = (await (await fetch(ob('/jwks'))).json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).not.toContain(kid);
    const page = pageText(await (await fetch(ob(`/credentials/${credential!.publicId}`))).text());
    expect(page).toContain('Not verified.');
    expect(pageText((await staff.get('/issuer')).text)).toMatch(/compromised \(\s*[A-Z][a-z]{2} \d{1,2}, \d{4}\s*\), not published/);
  });

  test('teachers cannot rotate keys', async () => {
    const before = await IssuerKey.countDocuments({ tenantId: tenantId() });
    expect((await teacher.post('/issuer/keys/rotate', { why: 'compromised' })).status).toBe(403);
    expect(await IssuerKey.countDocuments({ tenantId: tenantId() })).toBe(before);
  });
});
