import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import * as credentials from '../../src/credentials/service';
import type { CredentialDoc } from '../../src/credentials/service';
import * as frameworks from '../../src/frameworks/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';
import { independentVerify, Json } from '../support/independentVerifier';

// A holder takes a badge elsewhere: the file, LinkedIn, a QR code, a wallet; and the issuer's public showcase.

let h: Harness;
let teacher: Session;
let badge: CredentialDoc;
const tenantId = () => h.canvas.tenantId;
const ob = (path: string) => `${h.toolUrl}/ob/${tenantId()}${path}`;

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await credentials.ensureSampleAchievements(tenantId());
  teacher = await h.launchAs(h.canvas, 'teacher');
  const me = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!;
  const [achievement] = await credentials.listAchievements(tenantId());
  const { credential } = await credentials.award(tenantId(), { achievementId: String(achievement!._id), userId: String(me._id), source: { kind: 'manual' } });
  badge = credential!;
});
afterAll(() => h.close());

/** The text a QR code PNG holds, read back with jsQR. */
async function qrText(url: string): Promise<string | undefined> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toBe('image/png');
  const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('the holder downloads the signed credential as a file', () => {
  test('named for the badge, as application/vc, and it verifies independently', async () => {
    const res = await teacher.get(`/badges/${badge._id}/credential.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/vc/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[a-z0-9-]+\.json"$/);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const vc = JSON.parse(res.text) as Json;
    expect(vc.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(vc.proof.cryptosuite).toBe('eddsa-rdfc-2022');
    expect((await independentVerify(vc)).verified).toBe(true);
  });

  test('another teacher, PD staff and a session of another LMS get “not found”', async () => {
    for (const [platform, persona] of [[h.canvas, 'teacher2'], [h.canvas, 'pdlead'], [h.moodle, 'teacher']] as const) {
      const other = await h.launchAs(platform, persona);
      const res = await other.get(`/badges/${badge._id}/credential.json`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('OpenBadgeCredential');
    }
    expect((await teacher.get('/badges/not-an-id/credential.json')).status).toBe(400);
    // Without a session there is no download at all.
    expect((await fetch(`${h.toolUrl}/badges/${badge._id}/credential.json`)).ok).toBe(false);
  });
});

describe('sharing from the wall', () => {
  test('the wall offers LinkedIn’s add-certification form with the verify URL, a QR code and a wallet offer', async () => {
    const html = (await teacher.get('/badges')).text;
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    const linkedIn = new URL(hrefs.find((u) => u.startsWith('https://www.linkedin.com/'))!);
    expect(linkedIn.pathname).toBe('/profile/add');
    expect(Object.fromEntries(linkedIn.searchParams)).toEqual({
      startTask: 'CERTIFICATION_NAME',
      name: (await credentials.getAchievement(tenantId(), badge.achievementId)).name,
      organizationName: 'Test Canvas',
      issueYear: String(badge.issuedAt.getUTCFullYear()),
      issueMonth: String(badge.issuedAt.getUTCMonth() + 1),
      certUrl: ob(`/credentials/${badge.publicId}`),
      certId: badge.publicId,
    });
    expect(hrefs).toContain(`dccrequest://request?issuer=${encodeURIComponent(h.toolUrl)}&auth_type=bearer&challenge=${badge.publicId}&vc_request_url=${encodeURIComponent(ob(`/credentials/${badge.publicId}/exchange`))}`);
    expect(pageText(html)).toContain('Everything below leads to the public page, which does not show your name');
  });

  test('the QR code decodes to the verify URL; the wallet QR to the wallet offer', async () => {
    expect(await qrText(ob(`/credentials/${badge.publicId}/qr.png`))).toBe(ob(`/credentials/${badge.publicId}`));
    expect(await qrText(ob(`/credentials/${badge.publicId}/wallet-qr.png`))).toMatch(/^dccrequest:\/\/request\?.*vc_request_url=/);
    expect((await fetch(ob('/credentials/no-such-badge/qr.png'))).status).toBe(404);
    expect((await fetch(`${h.toolUrl}/ob/not-a-tenant/credentials/${badge.publicId}/qr.png`)).status).toBe(404);
  });

  test('a wallet posting its DID Auth presentation to the offer gets the credential, as the Learner Credential Wallet does', async () => {
    const presentation = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'VerifiablePresentation', holder: 'did:key:z6Mkexample', proof: { type: 'DataIntegrityProof', challenge: badge.publicId, proofPurpose: 'authentication' } };
    const res = await fetch(ob(`/credentials/${badge.publicId}/exchange`), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(presentation) });
    expect(res.status).toBe(200);
    const vc = (await res.json()) as Json;
    expect(vc.id).toBe(ob(`/credentials/${badge.publicId}`));
    expect((await independentVerify(vc)).verified).toBe(true);
    const preflight = await fetch(ob(`/credentials/${badge.publicId}/exchange`), { method: 'OPTIONS', headers: { Origin: 'https://wallet.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
  });

  test('a presentation for another offer, or a body that is no presentation, is refused and changes nothing', async () => {
    const post = (body: string) => fetch(ob(`/credentials/${badge.publicId}/exchange`), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body });
    const wrong = await post(JSON.stringify({ type: 'VerifiablePresentation', proof: { challenge: 'someone-else' } }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as Json).detail).toMatch(/another offer/);
    expect((await post(JSON.stringify({ proof: 'nonsense' }))).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
  });

  test('a revoked badge is offered to no wallet', async () => {
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const other = (await users.findBySub(tenantId(), h.canvas.users.teacher2.sub))!;
    const [achievement] = await credentials.listAchievements(tenantId());
    const { credential } = await credentials.award(tenantId(), { achievementId: String(achievement!._id), userId: String(other._id), source: { kind: 'manual' } });
    expect((await staff.post(`/credentials/${credential!._id}/revoke`, { reason: 'Awarded by mistake' })).status).toBe(303);
    expect((await fetch(ob(`/credentials/${credential!.publicId}/exchange`), { method: 'POST' })).status).toBe(410);
    expect((await fetch(ob(`/credentials/${credential!.publicId}/wallet-qr.png`))).status).toBe(404);
  });
});

describe('the issuer’s public page', () => {
  test('people get a showcase of its badges; machines still get the JSON-LD profile', async () => {
    const page = await fetch(ob('/issuer'), { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = pageText(await page.text());
    expect(text).toContain('Badges from Test Canvas');
    for (const a of await credentials.listAchievements(tenantId())) expect(text).toContain(a.name);
    expect(text).toContain('How it is earned:');
    expect(text).not.toContain(badge.recipientName);
    const json = await fetch(ob('/issuer'));
    expect(json.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(((await json.json()) as Json).type).toEqual(['Profile']);
  });
});

describe('the district’s LinkedIn page', () => {
  test('PD staff give its id: Add to LinkedIn then names the page; a wrong id is refused, typed values kept, nothing changed', async () => {
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const form = { name: 'Test Canvas', url: 'https://pd.canvas.example', email: 'pd@canvas.example' };
    const bad = await staff.post('/issuer', { ...form, linkedInId: 'linkedin.com/company/acme' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="linkedInId"[^>]*value="linkedin.com\/company\/acme"[^>]*aria-invalid="true"/);
    expect(pageText(bad.text)).toContain('Enter only the number of your LinkedIn company page');
    expect((await credentials.issuerProfile(tenantId())).linkedInId).toBeUndefined();

    expect((await staff.post('/issuer', { ...form, linkedInId: ' 1337 ' })).status).toBe(303);
    const linkedIn = () => teacher.get('/badges').then((r) => new URL(/href="(https:\/\/www\.linkedin\.com\/[^"]+)"/.exec(r.text)![1]!.replace(/&amp;/g, '&')));
    expect((await linkedIn()).searchParams.get('organizationId')).toBe('1337');
    expect((await linkedIn()).searchParams.has('organizationName')).toBe(false);
    // The id is LinkedIn's business: it is in no credential or public profile.
    expect(JSON.stringify(await (await fetch(ob('/issuer'))).json())).not.toContain('1337');

    expect((await staff.post('/issuer', { ...form, linkedInId: '' })).status).toBe(303);
    expect((await linkedIn()).searchParams.get('organizationName')).toBe('Test Canvas');
  });
});

describe('link previews', () => {
  test('the verify page and the issuer page name a PNG of the badge for LinkedIn and chat previews', async () => {
    const html = await (await fetch(ob(`/credentials/${badge.publicId}`), { headers: { Accept: 'text/html' } })).text();
    const image = /<meta property="og:image" content="([^"]+)">/.exec(html)![1]!;
    expect(image).toBe(ob(`/achievements/${badge.achievementId}/image.png`));
    expect(html).toMatch(/<meta property="og:url" content="[^"]+\/credentials\/[^"]+">/);
    const png = await fetch(image);
    expect(png.headers.get('content-type')).toBe('image/png');
    const { width, height } = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    expect([width, height]).toEqual([480, 480]);
    const issuerPage = await (await fetch(ob('/issuer'), { headers: { Accept: 'text/html' } })).text();
    expect(issuerPage).toMatch(/<meta property="og:image" content="[^"]+\/image\.png">/);
  });

  test('an uploaded SVG is rendered to PNG too; an unknown achievement is not found', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#c00"/></svg>';
    const [a] = await credentials.listAchievements(tenantId());
    const input = await credentials.validateAchievement(tenantId(), { name: a!.name, description: a!.description, criteria: a!.criteria, color: a!.color });
    await credentials.updateAchievement(tenantId(), a!._id, input, { buffer: Buffer.from(svg), size: svg.length }, { userId: a!._id, name: 'PD lead' });
    const res = await fetch(ob(`/achievements/${a!._id}/image.png`));
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    const centre = (png.width * (png.height / 2) + png.width / 2) * 4;
    expect([...png.data.subarray(centre, centre + 3)]).toEqual([0xcc, 0, 0]);
    expect((await fetch(ob('/achievements/000000000000000000000000/image.png'))).status).toBe(404);
  });
});
