import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { z } from 'zod';
import { config } from '../config';
import { connectMongoose, startDatabase } from '../db/connection';
import { issueInvite } from '../registration/service';
import * as tenants from '../tenants/service';
import { PLATFORM_FAMILIES } from '../kernel/actor';
import type { TenantDoc } from '../tenants/service';
import { PlatformAlreadyRegistered, registerPlatform } from '../lti/registration/platforms';
import { setupLti } from '../lti/launch/provider';

const USAGE = `Register an LTI 1.3 platform (one tenant) with PD Pathways.

  npm run platform:add -- --issuer <url> --client-id <id> --auth <url> --token <url> --jwks <url>
                          [--deployment <id>]... [--name <text>] [--family canvas|moodle|other] [--update]
  npm run platform:add -- --issuer <url> --client-id <id> --deployment <id>   (a registered platform: add a deployment)

Canvas (cloud):  --issuer https://canvas.instructure.com --auth https://sso.canvaslms.com/api/lti/authorize_redirect
                 --token https://sso.canvaslms.com/login/oauth2/token --jwks https://sso.canvaslms.com/api/lti/security/jwks
Moodle:          --issuer <wwwroot> --auth <wwwroot>/mod/lti/auth.php --token <wwwroot>/mod/lti/token.php
                 --jwks <wwwroot>/mod/lti/certs.php
Running it again with another --deployment adds that deployment. A platform that is registered already keeps
its endpoints and keyset unless --update is given (the replacement is recorded in the district's audit log).`;

const Args = z.object({
  issuer: z.string().url(),
  'client-id': z.string().min(1),
  auth: z.string().url().optional(),
  token: z.string().url().optional(),
  jwks: z.string().url().optional(),
  deployment: z.array(z.string().min(1)).default([]),
  name: z.string().optional(),
  family: z.enum(PLATFORM_FAMILIES).optional(),
  update: z.boolean().default(false),
});

function guessFamily(issuer: string): (typeof PLATFORM_FAMILIES)[number] {
  return /instructure\.com|canvas/i.test(issuer) ? 'canvas' : 'other';
}

/** `npm run platform:add`; prints to the given output and returns the process exit code. */
type Out = Pick<Console, 'log' | 'error'>;

/** The command line as checked arguments, or the exit code after printing why they are not usable. */
function parseAddArgs(argv: string[], out: Out): AddArgs | number {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        issuer: { type: 'string' }, 'client-id': { type: 'string' }, auth: { type: 'string' }, token: { type: 'string' },
        jwks: { type: 'string' }, deployment: { type: 'string', multiple: true }, name: { type: 'string' }, family: { type: 'string' },
        update: { type: 'boolean' }, help: { type: 'boolean' },
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
  const endpoints = [parsed.data.auth, parsed.data.token, parsed.data.jwks].filter(Boolean).length;
  if (endpoints === 1 || endpoints === 2) {
    out.error(`--auth, --token and --jwks go together (or leave all three out to add deployments to a registered platform).\n\n${USAGE}`);
    return 2;
  }
  return parsed.data;
}

function registeredSummary(tenant: TenantDoc, publicUrl: string): string {
  return `Registered ${tenant.name} (${tenant.family})
  issuer:       ${tenant.issuer}
  client id:    ${tenant.clientId}
  deployments:  ${tenant.deployments.map((d) => d.deploymentId).join(', ') || 'none yet (launches will be refused until one is added)'}
Tool URLs for the LMS:
  login:        ${publicUrl}/login
  launch:       ${publicUrl}/
  keyset:       ${publicUrl}/keys`;
}

export async function runPlatformAdd(argv: string[], out: Out = console): Promise<number> {
  const a = parseAddArgs(argv, out);
  if (typeof a === 'number') return a;
  const cfg = config();
  if (!a.auth) {
    return withDatabase(async () => {
      const tenant = await addDeployments(a['client-id'], a.issuer, a.deployment);
      if (tenant) {
        out.log(registeredSummary(tenant, cfg.publicUrl));
        return 0;
      }
      out.error(`No platform with issuer ${a.issuer} and client id ${a['client-id']} is registered, so its endpoints are needed: --auth, --token and --jwks.\n\n${USAGE}`);
      return 2;
    });
  }
  return withDatabase(async (dbUri) => {
    const lti = await setupLti(cfg, dbUri);
    try {
      out.log(registeredSummary(await addPlatform(a), cfg.publicUrl));
      return 0;
    } catch (err) {
      if (!(err instanceof PlatformAlreadyRegistered)) throw err;
      out.error(`${err.message}\nNothing was changed. To replace its endpoints, run the same command with --update.`);
      return 1;
    } finally {
      await lti.close({ silent: true });
    }
  });
}

type AddArgs = z.infer<typeof Args>;

function addPlatform(a: AddArgs): Promise<TenantDoc> {
  const registration = {
    issuer: a.issuer,
    clientId: a['client-id'],
    name: a.name ?? new URL(a.issuer).host,
    family: a.family ?? guessFamily(a.issuer),
    authUrl: a.auth!,
    tokenUrl: a.token!,
    jwksUrl: a.jwks!,
    deploymentIds: a.deployment,
    source: 'cli' as const,
  };
  return registerPlatform(registration, { whenChanged: a.update ? 'replace' : 'refuse', by: 'tool admin (platform:add --update)' });
}

/** A registered platform keeps its endpoints; only the deployments are added. Null when it is not registered. */
async function addDeployments(clientId: string, issuer: string, deploymentIds: string[]): Promise<TenantDoc | null> {
  const tenant = await tenants.findTenant(issuer, clientId);
  if (!tenant) return null;
  for (const id of deploymentIds) await tenants.addDeployment(tenant._id, id, 'cli');
  return tenants.getTenant(tenant._id);
}

async function withDatabase(run: (dbUri: string) => Promise<number>): Promise<number> {
  const db = await startDatabase(config());
  await connectMongoose(db.uri);
  try {
    return await run(db.uri);
  } finally {
    await mongoose.disconnect();
    await db.stop();
  }
}

const linkUsage = (hours: number) => `Issue a registration link: an LMS admin pastes it into Canvas or Moodle to register PD Pathways
by LTI Dynamic Registration. Each link works once and expires.

  npm run platform:link -- [--for <who it is for>] [--issuer <url>] [--hours <n>]

  --for      a note shown on the confirmation page, e.g. "Riverside Moodle"
  --issuer   only this LMS (its issuer, e.g. https://moodle.riverside.example) may use the link
  --hours    how long the link stays usable (default ${hours} hours)`;

const LinkArgs = z.object({
  for: z.string().max(200).optional(),
  issuer: z.string().url().optional(),
  hours: z.coerce.number().min(0.1).max(24 * 30).optional(),
});

/** `npm run platform:link`; prints a single-use, expiring registration link. */
export async function runPlatformLink(argv: string[], out: Pick<Console, 'log' | 'error'> = console): Promise<number> {
  const usage = linkUsage(config().registration.inviteHours);
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { for: { type: 'string' }, issuer: { type: 'string' }, hours: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    out.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    out.log(usage);
    return 0;
  }
  const parsed = LinkArgs.safeParse(values);
  if (!parsed.success) {
    out.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n') + '\n\n' + usage);
    return 2;
  }
  const a = parsed.data;
  return withDatabase(async () => {
    const invite = await issueInvite({ hours: a.hours, note: a.for, issuer: a.issuer, issuedBy: 'tool admin (platform:link)' });
    const expires = `${invite.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    out.log(`Registration link${invite.note ? ` for ${invite.note}` : ''} (works once, expires ${expires}${invite.issuer ? `, only for ${invite.issuer}` : ''}):

  ${invite.url}

Give it to the LMS admin, who pastes it into
  Canvas: Admin → Developer Keys → + Developer Key → + LTI Registration
  Moodle: Site administration → Plugins → Activity modules → External tool → Manage tools → Tool URL → Add LTI Advantage`);
    return 0;
  });
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { add: runPlatformAdd, link: runPlatformLink };

if (require.main === module) {
  const [command, ...argv] = process.argv.slice(2);
  const run = COMMANDS[command];
  if (!run) {
    console.error(`Usage: node dist/src/cli/platform.js ${Object.keys(COMMANDS).join('|')} [options]`);
    process.exit(2);
  }
  run(argv).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`platform:${command} failed: ${err.message}`);
      process.exit(1);
    },
  );
}
