import type { SimResourceLink } from '../../src/demo/platform';
import type { Harness, Persona, Session, SimulatedPlatform } from './harness';

function unescape(value: string): string {
  return value.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The auto-submitting return form the tool renders after the picker: where it posts and the signed JWT. */
export function deepLinkReturn(html: string): { returnUrl: string; jwt: string } {
  const returnUrl = /<form method="post" action="([^"]+)" class="autosubmit">/.exec(html)?.[1];
  const jwt = /<input type="hidden" name="JWT" value="([^"]+)">/.exec(html)?.[1];
  if (!returnUrl || !jwt) throw new Error(`no deep-linking return form in: ${html.slice(0, 300)}`);
  return { returnUrl: unescape(returnUrl), jwt: unescape(jwt) };
}

/**
 * An instructor places PD Pathways links in the course through the picker (deep linking), the browser
 * posts the signed response to the platform, and the platform creates the links (and their columns).
 */
export async function placeLinks(h: Harness, p: SimulatedPlatform, persona: Persona, items: string[], gradebook: string[] = [], opts: { saveForm?: boolean; course?: string } = {}): Promise<{ picker: Session; links: SimResourceLink[]; message: string }> {
  const picker = await h.launchAs(p, persona, { messageType: 'LtiDeepLinkingRequest', ...(opts.course && { course: opts.course }) });
  const chosen = await picker.post('/placements', { items, gradebook });
  if (chosen.status !== 200) throw new Error(`picker answered ${chosen.status}: ${chosen.text.slice(0, 300)}`);
  const { returnUrl, jwt } = deepLinkReturn(chosen.text);
  const res = await fetch(returnUrl, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
  if (res.status !== 200) throw new Error(`platform refused the deep-linking response (${res.status}): ${await res.text()}`);
  const response = p.sim.deepLinkResponses.at(-1)!;
  // In Moodle the content goes into the activity form; the teacher saves it (the default here) or never does.
  if (opts.saveForm !== false) for (const link of response.resourceLinks) p.sim.saveActivityForm(link.id);
  const message = String(response.payload['https://purl.imsglobal.org/spec/lti-dl/claim/msg'] ?? '');
  return { picker, links: response.resourceLinks, message };
}
