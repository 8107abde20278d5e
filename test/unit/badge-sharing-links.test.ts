import fc from 'fast-check';
import { downloadName, linkedInUrl, walletDeepLink } from '../../src/credentials/sharing';

const badge = {
  name: 'Checking for Understanding',
  organizationName: 'Northfield USD',
  issuedAt: new Date('2026-01-31T23:30:00Z'),
  certUrl: 'https://pd.example.org/ob/65f0c0ffee/credentials/0d1c-77',
  certId: '0d1c-77',
};

describe('LinkedIn’s add-certification link', () => {
  test('names the form, the badge, the issuer, the month issued, the verify URL and the credential id', () => {
    const url = new URL(linkedInUrl(badge));
    expect(`${url.origin}${url.pathname}`).toBe('https://www.linkedin.com/profile/add');
    expect([...url.searchParams]).toEqual([
      ['startTask', 'CERTIFICATION_NAME'],
      ['name', 'Checking for Understanding'],
      ['organizationName', 'Northfield USD'],
      ['issueYear', '2026'],
      ['issueMonth', '1'],
      ['certUrl', badge.certUrl],
      ['certId', '0d1c-77'],
    ]);
  });

  test('a LinkedIn company id replaces the name; an expiry adds its year and month', () => {
    const url = new URL(linkedInUrl({ ...badge, organizationId: '1337', expiresAt: new Date('2028-12-01T00:00:00Z') }));
    expect(url.searchParams.get('organizationId')).toBe('1337');
    expect(url.searchParams.has('organizationName')).toBe(false);
    expect(url.searchParams.get('expirationYear')).toBe('2028');
    expect(url.searchParams.get('expirationMonth')).toBe('12');
  });

  test('any name or issuer survives the trip: &, #, quotes, accents and emoji come back as typed', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }), fc.string({ minLength: 1, maxLength: 120 }), (name, org) => {
        const url = new URL(linkedInUrl({ ...badge, name, organizationName: org }));
        expect(url.searchParams.get('name')).toBe(name);
        expect(url.searchParams.get('organizationName')).toBe(org);
        expect(url.searchParams.get('certUrl')).toBe(badge.certUrl);
        expect(url.hash).toBe('');
      }),
    );
  });
});

test('the Learner Credential Wallet deep link carries the request URL and the challenge', () => {
  const link = walletDeepLink({ issuer: 'https://pd.example.org', requestUrl: 'https://pd.example.org/ob/1/credentials/abc/exchange', challenge: 'abc' });
  expect(link.startsWith('dccrequest://request?')).toBe(true);
  const params = new URLSearchParams(link.split('?')[1]);
  expect(Object.fromEntries(params)).toEqual({ issuer: 'https://pd.example.org', auth_type: 'bearer', challenge: 'abc', vc_request_url: 'https://pd.example.org/ob/1/credentials/abc/exchange' });
});

test('download names are the badge name in plain lower-case words', () => {
  expect(downloadName('Checking for Understanding', '.json')).toBe('checking-for-understanding.json');
  expect(downloadName('Évaluation formative: niveau 2 ✨', '.json')).toBe('evaluation-formative-niveau-2.json');
  expect(downloadName('«»', '.json')).toBe('badge.json');
  expect(downloadName('x'.repeat(200), '.json')).toHaveLength(65);
});
