import { generateKeyPair, SignJWT } from 'jose';
import { verifyLiveEventJwt } from '../../src/lms/canvas';
import { OutboundRefused } from '../../src/kernel/outbound';

// The Live Events keyset URL is a PD-staff setting: it is fetched through the SSRF guard, like platform keysets.
it('refuses a Live Events keyset URL the outbound guard refuses, before any key is trusted', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const jwt = await new SignJWT({ eventName: 'course_completed' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
  await expect(verifyLiveEventJwt(jwt, 'https://user:secret@keys.example.test/jwks')).rejects.toBeInstanceOf(OutboundRefused);
  await expect(verifyLiveEventJwt(jwt, 'file:///etc/passwd')).rejects.toThrow('file: URLs are not allowed');
});
