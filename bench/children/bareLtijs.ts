import { Provider as lti } from 'ltijs';

/**
 * Child process: the baseline — a bare ltijs tool on the same database server, registered with the
 * same simulated platform, answering a launch with a small page.
 */
async function main(): Promise<void> {
  const [dbUri, port, issuer, clientId, authUrl, tokenUrl, jwksUrl] = process.argv.slice(2);
  lti.setup('bench-secret-bench-secret-bench-secret', { url: dbUri }, { cookies: { secure: false, sameSite: 'Lax' }, tokenMaxAge: 120 });
  lti.onConnect((token, _req, res) => res.send(`<!doctype html><title>Bare</title><p>Hello ${token.userInfo?.name ?? ''}</p>`));
  await lti.deploy({ port: Number(port), silent: true });
  await lti.registerPlatform({ url: issuer, clientId, name: 'bench', authenticationEndpoint: authUrl, accesstokenEndpoint: tokenUrl, authConfig: { method: 'JWK_SET', key: jwksUrl } });
  process.stdout.write('READY\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
