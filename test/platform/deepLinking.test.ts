import { randomUUID } from 'node:crypto';
import { decodeJwt, generateKeyPair, type JWTPayload } from 'jose';
import { Claim, type Flavor } from '../../src/demo/platform';
import { launch } from '../support/launchClient';
import { startHarness, type Harness } from './fakeTool';

interface Settings {
  deep_link_return_url: string;
  data?: string;
}

describe.each<Flavor>(['canvas', 'moodle'])('%s-like deep-linking return', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  /** Runs a deep-linking launch and returns the settings claim the tool received. */
  async function deepLinkingLaunch(): Promise<Settings> {
    const result = await launch(h.tool.app, h.sim, {
      user: h.roster.users.pdlead!.sub,
      course: h.roster.course.id,
      messageType: 'LtiDeepLinkingRequest',
    });
    expect(result.status).toBe(200);
    return h.tool.launches.at(-1)?.[Claim.deepLinkingSettings] as Settings;
  }

  function responseClaims(settings: Settings, items: unknown[]): JWTPayload {
    return {
      iss: h.sim.clientId,
      aud: h.sim.issuer,
      nonce: randomUUID(),
      [Claim.messageType]: 'LtiDeepLinkingResponse',
      [Claim.version]: '1.3.0',
      [Claim.deploymentId]: h.sim.deploymentId,
      [Claim.contentItems]: items,
      ...(settings.data !== undefined && { [Claim.deepLinkData]: settings.data }),
    };
  }

  const pathwayItem = {
    type: 'ltiResourceLink',
    title: 'Pathway: Literacy coaching',
    url: 'https://tool.example/launch?pathway=lit',
    custom: { pathway: 'lit' },
    lineItem: { scoreMaximum: 100, label: 'Literacy pathway', resourceId: 'pathway-lit', tag: 'pathway' },
  };

  const post = (url: string, jwt: string | undefined): Promise<Response> =>
    fetch(url, { method: 'POST', body: new URLSearchParams(jwt === undefined ? {} : { JWT: jwt }) });

  it('verifies the response, records it, creates the link and its line item', async () => {
    const settings = await deepLinkingLaunch();
    const item = { ...pathwayItem, url: `${h.tool.endpoints.launchUrl}?pathway=lit` };
    const jwt = await h.tool.sign(responseClaims(settings, [item, { type: 'html', html: '<p>ignored</p>' }]));
    const res = await post(settings.deep_link_return_url, jwt);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<li>Pathway: Literacy coaching</li>');

    const record = h.sim.deepLinkResponses.at(-1)!;
    expect(record.jwt).toBe(jwt);
    expect(record.courseId).toBe(h.roster.course.id);
    expect(record.payload[Claim.contentItems]).toHaveLength(2);
    const [link] = record.resourceLinks;
    // Canvas creates the column at once; Moodle only when the teacher saves the activity form (once).
    expect(h.sim.ags.lineItems(h.roster.course.id)).toHaveLength(h.sim.flavor === 'moodle' ? 0 : 1);
    h.sim.saveActivityForm(link!.id);
    h.sim.saveActivityForm(link!.id);
    expect(h.sim.ags.lineItems(h.roster.course.id)).toHaveLength(1);
    expect(link).toMatchObject({ title: item.title, url: item.url, custom: { pathway: 'lit' }, lineItemId: expect.any(String) });
    expect(h.sim.resourceLinks()).toContainEqual(link);
    expect(h.sim.ags.lineItems(h.roster.course.id)).toContainEqual({
      id: link!.lineItemId,
      courseId: h.roster.course.id,
      label: 'Literacy pathway',
      scoreMaximum: 100,
      resourceId: 'pathway-lit',
      tag: 'pathway',
      resourceLinkId: link!.id,
    });

    // Launching the new link carries its title, custom parameters, URL and line item.
    const launched = await launch(h.tool.app, h.sim, {
      user: h.roster.users.teacher!.sub,
      course: h.roster.course.id,
      resourceLink: { id: link!.id },
    });
    expect(launched.status).toBe(200);
    const payload = decodeJwt(launched.idToken);
    expect(payload[Claim.resourceLink]).toEqual({ id: link!.id, title: item.title });
    expect(payload[Claim.targetLinkUri]).toBe(item.url);
    expect(payload[Claim.custom]).toMatchObject({ pathway: 'lit' });
    expect(payload[Claim.agsEndpoint]).toMatchObject({ lineitem: link!.lineItemId });
  });

  it.each<[string, (claims: JWTPayload) => JWTPayload]>([
    ['a wrong iss', (c) => ({ ...c, iss: 'someone-else' })],
    ['a wrong aud', (c) => ({ ...c, aud: 'https://other-platform.example' })],
    ['a wrong message_type', (c) => ({ ...c, [Claim.messageType]: 'LtiResourceLinkRequest' })],
    ['a wrong version', (c) => ({ ...c, [Claim.version]: '1.1.0' })],
    ['a wrong deployment_id', (c) => ({ ...c, [Claim.deploymentId]: 'nope' })],
    ['no nonce', ({ nonce: _nonce, ...c }) => c],
    ['malformed content items', (c) => ({ ...c, [Claim.contentItems]: [{ type: 'ltiResourceLink', lineItem: { scoreMaximum: -1 } }] })],
  ])('refuses a response with %s', async (_what, change) => {
    const settings = await deepLinkingLaunch();
    const res = await post(settings.deep_link_return_url, await h.tool.sign(change(responseClaims(settings, [pathwayItem]))));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('LTI launch error');
  });

  it('refuses a response signed with a key the tool does not publish, and a missing JWT', async () => {
    const settings = await deepLinkingLaunch();
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await h.tool.sign(responseClaims(settings, []), { key: privateKey });
    expect((await post(settings.deep_link_return_url, forged)).status).toBe(400);
    expect((await post(settings.deep_link_return_url, undefined)).status).toBe(400);
  });

  if (flavor === 'canvas') {
    it('requires the request data to be echoed, once', async () => {
      const settings = await deepLinkingLaunch();
      const { [Claim.deepLinkData]: _data, ...withoutData } = responseClaims(settings, []);
      const missing = await post(settings.deep_link_return_url, await h.tool.sign(withoutData));
      expect(missing.status).toBe(400);
      expect(await missing.text()).toContain('data must echo');
      expect((await post(settings.deep_link_return_url, await h.tool.sign(responseClaims(settings, [])))).status).toBe(200);
      expect((await post(settings.deep_link_return_url, await h.tool.sign(responseClaims(settings, [])))).status).toBe(400);
    });
  }
});
