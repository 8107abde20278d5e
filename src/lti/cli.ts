import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { z } from 'zod';
import { config } from '../config';
import { connectMongoose, startDatabase } from '../db/connection';
import { PLATFORM_FAMILIES } from '../tenants/service';
import { registerPlatform } from './platforms';
import { setupLti } from './provider';

const USAGE = `Register an LTI 1.3 platform (one tenant) with PD Pathways.

  npm run platform:add -- --issuer <url> --client-id <id> --auth <url> --token <url> --jwks <url>
                          [--deployment <id>]... [--name <text>] [--family canvas|moodle|other]

Canvas (cloud):  --issuer https://canvas.instructure.com --auth https://sso.canvaslms.com/api/lti/authorize_redirect
                 --token https://sso.canvaslms.com/login/oauth2/token --jwks https://sso.canvaslms.com/api/lti/security/jwks
Moodle:          --issuer <wwwroot> --auth <wwwroot>/mod/lti/auth.php --token <wwwroot>/mod/lti/token.php
                 --jwks <wwwroot>/mod/lti/certs.php
Running it again with another --deployment adds that deployment.`;

const Args = z.object({
  issuer: z.string().url(),
  'client-id': z.string().min(1),
  auth: z.string().url(),
  token: z.string().url(),
  jwks: z.string().url(),
  deployment: z.array(z.string().min(1)).default([]),
  name: z.string().optional(),
  family: z.enum(PLATFORM_FAMILIES).optional(),
});

function guessFamily(issuer: string): (typeof PLATFORM_FAMILIES)[number] {
  return /instructure\.com|canvas/i.test(issuer) ? 'canvas' : 'other';
}

/** `npm run platform:add`; prints to the given output and returns the process exit code. */
export async function runPlatformAdd(argv: string[], out: Pick<Console, 'log' | 'error'> = console): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        issuer: { type: 'string' }, 'client-id': { type: 'string' }, auth: { type: 'string' }, token: { type: 'string' },
        jwks: { type: 'string' }, deployment: { type: 'string', multiple: true }, name: { type: 'string' }, family: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    out.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.log(USAGE);
    return 0;
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    out.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n') + '\n\n' + USAGE);
    return 2;
  }
  const a = parsed.data;
  const cfg = config();
  const db = await startDatabase(cfg);
  await connectMongoose(db.uri);
  const lti = await setupLti(cfg, db.uri);
  try {
    const tenant = await registerPlatform({
      issuer: a.issuer,
      clientId: a['client-id'],
      name: a.name ?? new URL(a.issuer).host,
      family: a.family ?? guessFamily(a.issuer),
      authUrl: a.auth,
      tokenUrl: a.token,
      jwksUrl: a.jwks,
      deploymentIds: a.deployment,
      source: 'cli',
    });
    out.log(`Registered ${tenant.name} (${tenant.family})
  issuer:       ${tenant.issuer}
  client id:    ${tenant.clientId}
  deployments:  ${tenant.deployments.map((d) => d.deploymentId).join(', ') || 'none yet (launches will be refused until one is added)'}
Tool URLs for the LMS:
  login:        ${cfg.publicUrl}/login
  launch:       ${cfg.publicUrl}/
  keyset:       ${cfg.publicUrl}/keys`);
    return 0;
  } finally {
    await lti.close({ silent: true });
    await mongoose.disconnect();
    await db.stop();
  }
}

if (require.main === module) {
  runPlatformAdd(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`platform:add failed: ${err.message}`);
      process.exit(1);
    },
  );
}
