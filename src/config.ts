import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import nodeConfig from 'config';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

function validHostOrCidr(entry: string): boolean {
  if (entry.includes('/')) return ipaddr.isValidCIDR(entry);
  return ipaddr.isValid(entry) || /^[a-z0-9.-]+$/i.test(entry);
}

/** A comma-separated environment variable, or the list a config file gives. */
const commaList = (item: z.ZodType<string>) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item));

const ConfigSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: z.coerce.number().int().min(0).max(65535),
  /** App worker processes (node cluster) sharing the port and one database; 1 runs the app in this process. */
  webConcurrency: z.coerce.number('WEB_CONCURRENCY must be a number of worker processes').int().min(1).max(64),
  /** Optional outside production: then `http://localhost:<port>`, so a demo on any port launches. */
  publicUrl: z.string().url().optional(),
  trustProxy: z.coerce.boolean(),
  db: z.object({
    uri: z.string(),
    name: z.string().regex(/^[A-Za-z0-9_-]+$/),
    tryMemoryServer: z.boolean(),
    /** Production runs on MONGODB_URI; this lets it fall back to the embedded database on purpose. */
    allowEmbeddedInProduction: z.coerce.boolean(),
    memoryServerTimeoutMs: z.number().int().positive(),
    embedded: z.object({
      dataDir: z.string(),
      port: z.coerce.number().int().min(0),
      /** A message must fully arrive within this time of its first byte, or its connection is closed. */
      frameTimeoutMs: z.coerce.number().int().min(100),
      maxConnections: z.coerce.number().int().min(1),
    }),
  }),
  lti: z.object({
    toolName: z.string().min(1),
    toolDescription: z.string(),
    tokenMaxAgeSeconds: z.number().int().positive(),
    cookies: z.object({ secure: z.boolean(), sameSite: z.enum(['Lax', 'None', 'Strict']), partitioned: z.boolean() }),
    /** How long a started login (state, nonce, login hints) waits for its launch. */
    loginTtlSeconds: z.number().int().positive(),
    /** Allowed clock difference for an id_token's iat. */
    clockSkewSeconds: z.number().int().min(0),
    /** How long an ltik of a launch bound through platform storage (no cookie) is accepted. */
    cookielessSessionHours: z.number().positive(),
    /** Origins besides each platform's own that may frame launched pages (e.g. a portal that embeds the LMS). */
    /** Who runs PD Pathways (an email or a team), named on refusal pages that need a tool admin. */
    adminContact: z.string().max(200),
    frameAncestors: commaList(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, 'must be an origin such as https://canvas.district.org (no path)')),
  }),
  devSecretsFile: z.string(),
  demo: z.object({ enabled: z.coerce.boolean() }),
  log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }),
  audit: z.object({ retentionDays: z.coerce.number().int().min(1) }),
  outbox: z.object({
    /** Attempts before a message is dead-lettered. */
    maxAttempts: z.coerce.number().int().min(1).max(100),
    baseDelayMs: z.coerce.number().int().positive(),
    maxDelayMs: z.coerce.number().int().positive(),
    leaseMs: z.coerce.number().int().positive(),
    pollMs: z.coerce.number().int().positive(),
    batchSize: z.coerce.number().int().positive(),
    /** /readyz fails when a due message has waited longer than this for a worker. */
    readyLagMs: z.coerce.number().int().positive(),
    keepDays: z.coerce.number().positive(),
  }),
  evidence: z.object({ maxFileMb: z.coerce.number().min(0.1).max(100) }),
  outbound: z.object({
    /** Hosts or CIDRs that production may reach although they are not public (e.g. an LMS on the district network). */
    allowedHosts: commaList(z.string().refine(validHostOrCidr, 'must be a host name, an IP address or a CIDR such as 10.20.0.0/16')),
  }),
  email: z.object({
    /** The From header of every email, e.g. "PD Pathways <pd@district.org>". */
    from: z.string().regex(/^([^<>]*<)?[^@\s<>]+@[^@\s<>]+\.?[^@\s<>]*>?$/, 'must be an email address, optionally with a name: PD Pathways <pd@district.org>'),
    smtp: z.object({
      /** Empty: no email is sent (outside production the demo captures mail with its own SMTP server). */
      host: z.string().regex(/^[a-z0-9.:-]*$/i, 'must be a host name or IP address such as smtp.district.org'),
      port: z.coerce.number().int().min(1, 'must be a port number 1–65535').max(65535, 'must be a port number 1–65535'),
      /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.coerce.boolean(),
      /** Refuse to send unless the server upgrades to TLS (STARTTLS). */
      requireTls: z.coerce.boolean(),
      user: z.string(),
      timeoutMs: z.coerce.number().int().min(1000),
    }),
    /** How long an unsubscribe link in an email keeps working. */
    unsubscribeDays: z.coerce.number().int().min(1).max(3650),
    /** When approvers' weekly digest goes out: day of the week (0 = Sunday) and hour, UTC. */
    digest: z.object({ weekday: z.coerce.number().int().min(0).max(6), hourUtc: z.coerce.number().int().min(0).max(23) }),
  }),
  registration: z.object({
    /** How long a registration link from `npm run platform:link` stays usable by default. */
    inviteHours: z.coerce.number().min(0.1).max(24 * 30),
  }),
});

export interface Secrets {
  /** Signs ltiks and cookies, encrypts ltijs key material. */
  ltiKey: string;
  /** Binds CSRF tokens to an ltik. */
  csrfKey: Buffer;
  /** Encrypts stored LMS API tokens and webhook secrets (AES-256-GCM). */
  dataKey: Buffer;
  /** Signs short-lived links to pages that open outside the LMS frame (print views). */
  linkKey: Buffer;
  /** Signs unsubscribe links in emails. */
  emailKey: Buffer;
  /** SMTP_PASSWORD, when email.smtp.user is set. */
  smtpPassword?: string;
}

export type AppConfig = Omit<z.infer<typeof ConfigSchema>, 'publicUrl'> & { publicUrl: string; secrets: Secrets };

function derive(master: string, label: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', master, 'pd-pathways', label, 32));
}

/** Secrets come only from the environment; outside production a random one is kept on disk for the demo. */
export function loadMasterSecret(env: string, devFile: string): string {
  const fromEnv = process.env.APP_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('APP_SECRET must be at least 32 characters');
    return fromEnv;
  }
  if (env === 'production') throw new Error('APP_SECRET is required in production (at least 32 random characters)');
  if (!devFile) return crypto.randomBytes(32).toString('hex');
  const file = path.resolve(devFile);
  if (fs.existsSync(file)) {
    fs.chmodSync(file, 0o600); // older versions may have left it readable by others
    return JSON.parse(fs.readFileSync(file, 'utf8')).appSecret as string;
  }
  const secret = crypto.randomBytes(32).toString('hex');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify({ appSecret: secret }), { mode: 0o600 });
  return secret;
}

/** The address users and platforms reach the tool at; production must say it, elsewhere it follows the port. */
function resolvePublicUrl(env: string, port: number, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/$/, '');
  if (env === 'production') throw new Error('PUBLIC_URL is required in production (the https address platforms reach the tool at)');
  return `http://localhost:${port}`;
}

/** The SMTP password comes only from the environment, and is required when a user name is configured. */
function smtpPassword(user: string): string | undefined {
  const password = process.env.SMTP_PASSWORD;
  if (user && !password) throw new Error('Invalid configuration:\nemail.smtp.user is set (SMTP_USER) but SMTP_PASSWORD is not: set the SMTP password in the environment');
  return user ? password : undefined;
}

/** Validates raw node-config values (exported for tests; everything else calls `config()`). */
export function resolveConfig(raw: unknown): AppConfig {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const master = loadMasterSecret(c.env, c.devSecretsFile);
  return {
    ...c,
    publicUrl: resolvePublicUrl(c.env, c.port, c.publicUrl),
    secrets: {
      ltiKey: derive(master, 'ltijs').toString('hex'),
      csrfKey: derive(master, 'csrf'),
      dataKey: derive(master, 'data'),
      linkKey: derive(master, 'links'),
      emailKey: derive(master, 'email'),
      smtpPassword: smtpPassword(c.email.smtp.user),
    },
  };
}

let cached: AppConfig | undefined;

/** The validated configuration; the only reader of node-config. */
export function config(): AppConfig {
  cached ??= resolveConfig(nodeConfig.util.toObject());
  return cached;
}

/** Tests adjust config (e.g. publicUrl after binding a port) through this, never by mutating node-config. */
export function overrideConfig(patch: Partial<AppConfig>): AppConfig {
  cached = { ...config(), ...patch };
  return cached;
}
