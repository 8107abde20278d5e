// Tool-side registration of a platform: https://www.imsglobal.org/spec/lti/v1p3#lti-deployment-id-claim
/**
 * The exact `npm run platform:…` lines a refusal page offers the tool admin. The issuer, client id and
 * deployment id come from the request (an attacker may choose them), so every value is one shell word that
 * sh, bash and zsh read literally, and a value that cannot be shown safely yields no command at all.
 */

export interface PlatformIds {
  issuer: string;
  clientId?: string;
  deploymentId?: string;
}

export interface AdminCommand {
  /** When to run it, e.g. "If this LMS is Moodle". */
  label: string;
  command: string;
}

/** Control characters and the bidi overrides that make a line read differently from what the shell runs. */
const UNSHOWABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const PLAIN = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** A POSIX shell word: plain words as they are, anything else in single quotes with ' written as '\''. */
export function shellWord(value: string): string {
  return PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function showable(value: string | undefined): boolean {
  return value === undefined || (value.length > 0 && value.length <= 300 && !UNSHOWABLE.test(value));
}

function isUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function npmRun(script: string, args: [string, string | undefined][]): string {
  const words = args.filter((a): a is [string, string] => a[1] !== undefined).map(([flag, value]) => `${flag} ${shellWord(value)}`);
  return `npm run ${script} -- ${words.join(' ')}`;
}

/** Values this page may print as a command: showable, and an issuer the CLI accepts. */
function usable(ids: PlatformIds): boolean {
  return showable(ids.issuer) && showable(ids.clientId) && showable(ids.deploymentId) && isUrl(ids.issuer);
}

/** Adds a deployment to a platform PD Pathways knows. */
export function addDeploymentCommand(ids: Required<PlatformIds>): AdminCommand | undefined {
  if (!usable(ids)) return undefined;
  return {
    label: 'Add this deployment',
    command: npmRun('platform:add', [['--issuer', ids.issuer], ['--client-id', ids.clientId], ['--deployment', ids.deploymentId]]),
  };
}

/** Cloud Canvas keeps its login, token and keyset endpoints on the sso host of its environment (LTI-FACTS). */
const CANVAS_SSO: Record<string, string> = {
  'https://canvas.instructure.com': 'https://sso.canvaslms.com',
  'https://canvas.beta.instructure.com': 'https://sso.beta.canvaslms.com',
  'https://canvas.test.instructure.com': 'https://sso.test.canvaslms.com',
};

function endpointsFor(issuer: string): { label: string; family: string; auth: string; token: string; jwks: string } {
  const sso = CANVAS_SSO[issuer.replace(/\/$/, '')];
  if (sso) {
    return { label: 'Or register this Canvas developer key directly', family: 'canvas', auth: `${sso}/api/lti/authorize_redirect`, token: `${sso}/login/oauth2/token`, jwks: `${sso}/api/lti/security/jwks` };
  }
  const root = issuer.replace(/\/$/, '');
  return { label: 'Or, if this LMS is Moodle, register it directly', family: 'moodle', auth: `${root}/mod/lti/auth.php`, token: `${root}/mod/lti/token.php`, jwks: `${root}/mod/lti/certs.php` };
}

/** Registers a platform PD Pathways does not know: a registration link for it, or the platform itself. */
export function registerPlatformCommands(ids: PlatformIds): AdminCommand[] {
  if (!usable(ids)) return [];
  const link = { label: 'Issue a registration link for this LMS (dynamic registration)', command: npmRun('platform:link', [['--issuer', ids.issuer]]) };
  if (!ids.clientId) return [link];
  const e = endpointsFor(ids.issuer);
  const add = npmRun('platform:add', [
    ['--issuer', ids.issuer],
    ['--client-id', ids.clientId],
    ['--auth', e.auth],
    ['--token', e.token],
    ['--jwks', e.jwks],
    ['--deployment', ids.deploymentId],
    ['--family', e.family],
  ]);
  return [link, { label: e.label, command: add }];
}
