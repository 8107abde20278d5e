import { addDeploymentCommand, registerPlatformCommands, shellWord } from '../../src/lti/registration/adminCommands';

test('plain values stay readable, anything else is single-quoted', () => {
  expect(shellWord('https://moodle.example/x?y=1')).toBe("'https://moodle.example/x?y=1'");
  expect(shellWord('10000000000077')).toBe('10000000000077');
  expect(shellWord("it's")).toBe(`'it'\\''s'`);
  expect(shellWord('~root')).toBe("'~root'");
});

test('cloud Canvas gets its sso endpoints; other issuers the Moodle paths, labelled as a guess', () => {
  const [, canvas] = registerPlatformCommands({ issuer: 'https://canvas.instructure.com', clientId: '10000000000077', deploymentId: '12:abc' });
  expect(canvas.command).toBe(
    'npm run platform:add -- --issuer https://canvas.instructure.com --client-id 10000000000077 --auth https://sso.canvaslms.com/api/lti/authorize_redirect --token https://sso.canvaslms.com/login/oauth2/token --jwks https://sso.canvaslms.com/api/lti/security/jwks --deployment 12:abc --family canvas',
  );
  const [, moodle] = registerPlatformCommands({ issuer: 'https://lms.district.org/moodle', clientId: 'abc' });
  expect(moodle.label).toMatch(/if this LMS is Moodle/);
  expect(moodle.command).toContain('--auth https://lms.district.org/moodle/mod/lti/auth.php');
  expect(moodle.command).not.toContain('--deployment');
});

test('no command for values that cannot be shown as one honest line, or an issuer the CLI refuses', () => {
  expect(addDeploymentCommand({ issuer: 'https://lms.example', clientId: 'a\nb', deploymentId: '1' })).toBeUndefined();
  expect(addDeploymentCommand({ issuer: 'https://lms.example', clientId: 'a', deploymentId: 'x\u2066y' })).toBeUndefined();
  expect(registerPlatformCommands({ issuer: 'not a url', clientId: 'a' })).toEqual([]);
  expect(registerPlatformCommands({ issuer: 'https://lms.example', clientId: 'x'.repeat(301) })).toEqual([]);
});
