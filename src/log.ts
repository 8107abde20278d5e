import pino, { Logger } from 'pino';
import { config } from './config';

/** Paths that may carry tokens or secrets; pino replaces them before anything is written. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'id_token',
  'JWT',
  'client_assertion',
  'access_token',
  'token',
  'secret',
  'apiToken',
  'password',
];

let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino({ level: config().log.level, redact: { paths: REDACT, censor: '[redacted]' } });
  return root;
}

/** Writes a plain-text line into the log stream, after every record logged before it (for the start-up banner). */
export function printLine(text: string): void {
  (logger() as unknown as Record<symbol, { write(s: string): void }>)[pino.symbols.streamSym].write(`${text}\n`);
}

/** Strips ltik, registration links and other bearer material from a URL before it is logged. */
export function safeUrl(url: string): string {
  return url
    .replace(/([?&](?:ltik|ticket|wstoken|access_token|token|registration_token)=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/register\/)[^/?#]+/, '$1[redacted]');
}
