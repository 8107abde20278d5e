import type { LaunchSpec, PlatformSimulator } from '../src/demo/platform';

/** A browser's cookie jar, just enough for one launch (name=value, no paths). */
export class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function step(url: string, jar: Jar, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
  jar.take(res);
  return res;
}

export function field(html: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  if (value === undefined) throw new Error(`no ${name} in platform page`);
  return value.replace(/&amp;/g, '&');
}

export interface Launched {
  ms: number;
  /** The session token the landing page's links carry. */
  ltik: string;
  jar: Jar;
  /** The page the launch landed on (its navigation link marked current), e.g. `/dashboard`. */
  landing?: string;
}

/** One full browser-like OIDC launch; resolves when the landing page answered 200. */
export async function timedLaunch(toolUrl: string, sim: PlatformSimulator, spec: LaunchSpec): Promise<Launched> {
  const started = performance.now();
  const jar = new Jar();
  const initiation = sim.loginInitiationForm(spec);
  let login = await step(`${toolUrl}/login`, jar, { method: 'POST', body: new URLSearchParams(initiation.fields) });
  // PD Pathways checks its state cookie at /login/continue before going on to the platform.
  while (login.headers.get('location')?.startsWith('/')) {
    await login.arrayBuffer();
    login = await step(new URL(login.headers.get('location')!, toolUrl).toString(), jar);
  }
  const auth = await fetch(login.headers.get('location')!, { redirect: 'manual' });
  const page = await auth.text();
  const body = new URLSearchParams({ id_token: field(page, 'id_token'), state: field(page, 'state') });
  let res = await step(`${toolUrl}/`, jar, { method: 'POST', body });
  while (res.status >= 300 && res.status < 400) {
    await res.arrayBuffer();
    res = await step(new URL(res.headers.get('location')!, toolUrl).toString(), jar);
  }
  const text = await res.text();
  if (res.status !== 200) throw new Error(`launch ended with ${res.status}: ${text.slice(0, 200)}`);
  const landing = /<a href="(\/[^"?]*)\?[^"]*" aria-current="page"/.exec(text)?.[1];
  return { ms: performance.now() - started, ltik: /ltik=([\w.-]+)/.exec(text)?.[1] ?? '', jar, landing };
}
