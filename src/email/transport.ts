import nodemailer, { type Mail } from 'nodemailer';
import { config } from '../config';

/** Where mail goes: the configured SMTP server, or one the demo or a test started in this process. */
export interface SmtpTarget {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  user?: string;
  password?: string;
  /** A loopback capture server (the demo's) offers no TLS, so none is tried. */
  plain?: boolean;
}

let override: SmtpTarget | undefined;
let cached: { target: SmtpTarget; transporter: Mail } | undefined;

/** The demo and the tests send through their own in-process SMTP server. */
export function useSmtpServer(target: SmtpTarget | undefined): void {
  override = target;
  cached?.transporter.close();
  cached = undefined;
}

export function smtpTarget(): SmtpTarget | undefined {
  if (override) return override;
  const { smtp } = config().email;
  if (!smtp.host) return undefined;
  return { host: smtp.host, port: smtp.port, secure: smtp.secure, requireTls: smtp.requireTls, user: smtp.user || undefined, password: config().secrets.smtpPassword };
}

/** Email is on when an SMTP server is configured (or the demo's capture server runs). */
export function emailEnabled(): boolean {
  return !!smtpTarget();
}

function transporterFor(target: SmtpTarget): Mail {
  if (cached?.target === target) return cached.transporter;
  const timeout = config().email.smtp.timeoutMs;
  const transporter = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    requireTLS: target.requireTls,
    ignoreTLS: target.plain ?? false,
    auth: target.user ? { user: target.user, pass: target.password } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  cached = { target, transporter };
  return transporter;
}

export interface Outgoing {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

/** What the outbox makes of a failure: retried with backoff, or dead at once when retrying cannot help. */
export class SmtpFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Nodemailer's error codes (and the server's reply) in words an admin can act on. */
export function explainSmtpError(err: unknown, target: Pick<SmtpTarget, 'host' | 'port'>): SmtpFailure {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `SMTP server ${target.host}:${target.port}`;
  const reply = e.response ? `: ${e.response.slice(0, 200)}` : '';
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return new SmtpFailure(`${where} refused the login (check SMTP_USER and SMTP_PASSWORD)${reply}`, false);
  if (e.code === 'EDNS') return new SmtpFailure(`${where}: the host name does not resolve (check SMTP_HOST)`, true);
  if (e.code === 'ETLS' || e.code === 'EREQUIRETLS') return new SmtpFailure(`${where}: TLS failed (check SMTP_SECURE: on for port 465, off for STARTTLS on 587; and SMTP_REQUIRE_TLS)${reply || `: ${e.message}`}`, true);
  if (e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET') return new SmtpFailure(`${where} could not be reached (${e.message ?? e.code}); check SMTP_HOST and SMTP_PORT`, true);
  // A 5xx reply refuses this message for good (bad address, policy); a 4xx is temporary.
  if (e.responseCode && e.responseCode >= 500) return new SmtpFailure(`${where} refused the message${reply}`, false);
  if (e.responseCode) return new SmtpFailure(`${where} deferred the message${reply}`, true);
  return new SmtpFailure(`${where}: ${e.message ?? String(err)}`, true);
}

/** Sends one message; throws SmtpFailure. */
export async function send(message: Outgoing): Promise<void> {
  const target = smtpTarget();
  if (!target) throw new SmtpFailure('No SMTP server is configured (SMTP_HOST)', false);
  try {
    await transporterFor(target).sendMail({ ...message, envelope: { from: addressOf(message.from), to: [message.to] } });
  } catch (err) {
    throw explainSmtpError(err, target);
  }
}

function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

/** Checks the configured server answers and takes the login; for the start-up log line. */
export async function verifySmtp(): Promise<string | undefined> {
  const target = smtpTarget();
  if (!target) return undefined;
  try {
    await transporterFor(target).verify();
    return undefined;
  } catch (err) {
    return explainSmtpError(err, target).message;
  }
}
