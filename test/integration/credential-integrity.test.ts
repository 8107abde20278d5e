import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as credentials from '../../src/credentials/service';
import * as frameworks from '../../src/frameworks/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';
import { fetchJson, independentVerify, Json } from '../support/independentVerifier';

// An independent verifier — the Digital Bazaar VC and Data Integrity libraries with a document loader of
// its own that has the standard contexts and fetches everything else from the tool over HTTP — checks
// the badges PD Pathways issues: proof, did:web key, status.

let h: Harness;
let staff: Session;
const tenantId = () => h.canvas.tenantId;

async function earn(persona: 'teacher' | 'teacher2') {
  const me = (await users.findBySub(tenantId(), h.canvas.users[persona].sub))!;
  const [achievement] = await credentials.listAchievements(tenantId());
  const { credential } = await credentials.award(tenantId(), { achievementId: String(achievement!._id), userId: String(me._id), source: { kind: 'manual' } });
  const base = `${h.toolUrl}/ob/${tenantId()}/credentials/${credential!.publicId}`;
  return { doc: credential!, verifyUrl: base, json: await fetchJson(`${base}/credential.json`) };
}

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await credentials.ensureSampleAchievements(tenantId());
  staff = await h.launchAs(h.canvas, 'pdlead');
  await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2');
});
afterAll(() => h.close());

test('an issued badge is an OB 3.0 credential from the district’s did:web with an eddsa-rdfc-2022 proof, and verifies independently', async () => {
  const { json, verifyUrl } = await earn('teacher');
  expect(json.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
  expect(json.issuer.id).toMatch(new RegExp(`^did:web:127\\.0\\.0\\.1%3A\\d+:ob:${tenantId()}$`));
  expect(json.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: expect.stringContaining(`${json.issuer.id}#`) });
  expect(json.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListCredential: `${h.toolUrl}/ob/${tenantId()}/status/1` });

  const { verified, fetched } = await independentVerify(json);
  expect(verified).toBe(true);
  // Only the DID document and the status list came from the tool; every context was local.
  expect(fetched.sort()).toEqual([json.issuer.id, json.credentialStatus.statusListCredential].sort());
  const did = await fetchJson(`${h.toolUrl}/ob/${tenantId()}/did.json`);
  expect(did).toMatchObject({ id: json.issuer.id, assertionMethod: [json.proof.verificationMethod], verificationMethod: [{ type: 'Multikey', publicKeyMultibase: expect.stringMatching(/^z6Mk/) }] });

  // The verify page runs the same check and says what it checked.
  const page = pageText(await (await fetch(verifyUrl)).text());
  expect(page).toContain('Verified What was checked, just now:');
  expect(page).toContain('Its contents are exactly as the district signed them');
  expect(page).toContain(`The signing key is one the district publishes in its DID document (${json.issuer.id})`);
  expect(page).toContain('It has not been revoked');
  // The credential id hands wallets the same signed credential.
  expect(await (await fetch(verifyUrl, { headers: { Accept: 'application/vc' } })).json()).toEqual(json);
});

test('a tampered credential fails, in either proof format', async () => {
  const { json, doc } = await earn('teacher2');
  expect((await independentVerify({ ...json, name: 'Master Teacher' })).verified).toBe(false);
  expect((await independentVerify({ ...json, credentialSubject: { ...json.credentialSubject, id: 'urn:uuid:00000000-0000-4000-8000-000000000000' } })).verified).toBe(false);
  const [head, body, sig] = doc.ob3Jwt.split('.');
  const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), name: 'Master Teacher' })).toString('base64url');
  await expect(jwtVerify(`${head}.${changed}.${sig}`, createRemoteJWKSet(new URL(`${h.toolUrl}/ob/${tenantId()}/jwks`)))).rejects.toThrow(/signature/);
});

test('revoking flips its bit in the signed status list: it no longer verifies, and the VC-JWT list names it', async () => {
  const teacher = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!;
  const [held] = await credentials.credentialsOf(tenantId(), teacher._id);
  const json = await fetchJson(`${h.toolUrl}/ob/${tenantId()}/credentials/${held!.publicId}/credential.json`);
  expect((await independentVerify(json)).verified).toBe(true);

  expect((await staff.post(`/credentials/${held!._id}/revoke`, { reason: 'Awarded in error' })).status).toBe(303);
  expect((await independentVerify(json)).verified).toBe(false);
  const list = await fetchJson(`${h.toolUrl}/ob/${tenantId()}/revocations`);
  expect(list.revokedCredentials).toEqual([{ id: json.id }]);
  // The other teacher's badge is untouched by the shared list.
  const other = (await users.findBySub(tenantId(), h.canvas.users.teacher2.sub))!;
  const [theirs] = await credentials.credentialsOf(tenantId(), other._id);
  expect((await independentVerify((await credentials.getCredential(tenantId(), theirs!._id)).ob3Signed as Json)).verified).toBe(true);
});

test('a routine key rotation keeps earlier badges verifying; withdrawing a compromised key stops what it signed', async () => {
  const other = (await users.findBySub(tenantId(), h.canvas.users.teacher2.sub))!;
  const [theirs] = await credentials.credentialsOf(tenantId(), other._id);
  const before = theirs!.ob3Signed as Json;
  expect((await staff.post('/issuer/keys/rotate', { why: 'routine' })).status).toBe(303);
  expect((await independentVerify(before)).verified).toBe(true);

  await h.launchAs(h.canvas, 'teacher3');
  const me = (await users.findBySub(tenantId(), h.canvas.users.teacher3.sub))!;
  const [achievement] = await credentials.listAchievements(tenantId());
  const { credential } = await credentials.award(tenantId(), { achievementId: String(achievement!._id), userId: String(me._id), source: { kind: 'manual' } });
  const after = credential!.ob3Signed as Json;
  expect((await independentVerify(after)).verified).toBe(true);
  expect((await staff.post('/issuer/keys/rotate', { why: 'compromised' })).status).toBe(303);
  expect((await independentVerify(after)).verified).toBe(false);
  expect((await fetchJson(`${h.toolUrl}/ob/${tenantId()}/did.json`)).verificationMethod.map((m: Json) => m.id)).not.toContain(after.proof.verificationMethod);
  expect((await independentVerify(before)).verified).toBe(true);
  expect(pageText(await (await fetch(`${h.toolUrl}/ob/${tenantId()}/credentials/${credential!.publicId}`)).text())).toContain('Its proof does not check out');
});
