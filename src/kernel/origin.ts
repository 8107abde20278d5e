import { config } from '../config';

/** Host names only: a `;`, `,` or quote that URL parsing lets through would end the directive. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The https origin of a URL (http outside production), or undefined for anything else. */
export function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 2000) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const schemeOk = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && config().env !== 'production');
  if (!schemeOk || !HOST.test(parsed.hostname)) return undefined;
  return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
}
