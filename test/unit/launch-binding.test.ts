import { bindingProblem } from '../../src/lti/launch/guard';
import type { LoginRecord } from '../../src/lti/launch/loginState';

const login: LoginRecord = {
  state: 's1',
  nonce: 'n1',
  windowHandle: 'w1',
  issuer: 'https://lms.example',
  clientId: 'c1',
  loginHint: 'u1',
  targetLinkUri: 'https://tool.example/',
};
const now = Date.UTC(2026, 0, 1, 12);
const claims = (over: Record<string, unknown> = {}) => ({ iss: login.issuer, aud: [login.clientId, 'other'], nonce: 'n1', iat: now / 1000, ...over });

describe('an id_token answers the login its browser started', () => {
  test('the matching token passes, a little clock skew included', () => {
    expect(bindingProblem(claims(), login, now)).toBeUndefined();
    expect(bindingProblem(claims({ iat: now / 1000 + 30, aud: 'c1' }), login, now)).toBeUndefined();
  });

  test.each([
    ['no nonce', { nonce: undefined }, 'NONCE_MISSING'],
    ['a nonce that is not a string', { nonce: ['n1'] }, 'NONCE_MISSING'],
    ['another nonce', { nonce: 'n2' }, 'NONCE_MISMATCH'],
    ['another issuer', { iss: 'https://evil.example' }, 'ISS_CLAIM_DOES_NOT_MATCH'],
    ['another audience', { aud: 'c2' }, 'AUD_DOES_NOT_MATCH'],
    ['no iat', { iat: undefined }, 'IAT_MISSING'],
    ['an iat ten minutes ahead', { iat: now / 1000 + 600 }, 'TOKEN_FROM_THE_FUTURE'],
  ])('%s is refused', (_what, over, code) => {
    expect(bindingProblem(claims(over), login, now)).toBe(code);
  });
});
