import { issuerMatchesConfigurationHost } from '../../src/lti/registration/dynamicRegistration';
import { inviteState, linkAllowsIssuer } from '../../src/registration/policy';

const now = new Date('2026-12-01T12:00:00Z');
const later = new Date('2026-12-02T12:00:00Z');

test('a registration link is usable until it is used or expires', () => {
  expect(inviteState({ expiresAt: later }, now)).toBe('usable');
  expect(inviteState({ expiresAt: later, usedAt: now }, now)).toBe('used');
  expect(inviteState({ expiresAt: now }, now)).toBe('expired');
  expect(inviteState({ expiresAt: new Date(now.getTime() - 1), usedAt: now }, now)).toBe('used');
});

test('a link that names an issuer registers only that platform', () => {
  expect(linkAllowsIssuer({ expiresAt: later }, 'https://any.example')).toBe(true);
  expect(linkAllowsIssuer({ expiresAt: later, issuer: 'https://moodle.riverside.example' }, 'https://moodle.riverside.example')).toBe(true);
  expect(linkAllowsIssuer({ expiresAt: later, issuer: 'https://moodle.riverside.example' }, 'https://canvas.instructure.com')).toBe(false);
});

test('the issuer must be on the host of the openid_configuration URL (Dynamic Registration §3.5.1)', () => {
  expect(issuerMatchesConfigurationHost('https://canvas.instructure.com', 'https://canvas.instructure.com/api/lti/security/openid-configuration?registration_token=x')).toBe(true);
  expect(issuerMatchesConfigurationHost('https://Moodle.Example.org', 'https://moodle.example.org/mod/lti/openid-configuration.php')).toBe(true);
  expect(issuerMatchesConfigurationHost('https://canvas.instructure.com', 'https://attacker.example/openid-configuration')).toBe(false);
  expect(issuerMatchesConfigurationHost('https://moodle.example.org', 'https://moodle.example.org.attacker.example/c')).toBe(false);
});
