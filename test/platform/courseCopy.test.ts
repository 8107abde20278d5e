import { randomUUID } from 'node:crypto';
import { Claim, Role, type Flavor, type SimCourse } from '../../src/demo/platform';
import { launch } from '../support/launchClient';
import { startHarness, type Harness } from './fakeTool';

const HISTORY = { resource_link_history: '$ResourceLink.id.history', context_history: '$Context.id.history' };

describe.each<Flavor>(['canvas', 'moodle'])('%s-like course copy', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(flavor);
  });
  afterAll(() => h.close());

  const copy: SimCourse = { id: '9001', contextId: flavor === 'canvas' ? 'context-of-the-copy' : undefined, label: 'PD-101-B', title: 'PD, copied', members: [] };

  /** The tool places one graded link in the demo course through deep linking (saving Moodle's activity form). */
  async function placeGradedLink(): Promise<string> {
    const dl = await launch(h.tool.app, h.sim, { user: h.roster.users.pdlead!.sub, course: h.roster.course.id, messageType: 'LtiDeepLinkingRequest' });
    const settings = h.tool.launches.at(-1)?.[Claim.deepLinkingSettings] as { deep_link_return_url: string; data?: string };
    expect(dl.status).toBe(200);
    const item = { type: 'ltiResourceLink', title: 'My PD plan', custom: { pdp_target: '/dashboard', ...HISTORY }, lineItem: { scoreMaximum: 100, label: 'PD plan progress', resourceId: 'pdp-plan', tag: 'pd-plan' } };
    const jwt = await h.tool.sign({ iss: h.sim.clientId, aud: h.sim.issuer, nonce: randomUUID(), [Claim.messageType]: 'LtiDeepLinkingResponse', [Claim.version]: '1.3.0', [Claim.deploymentId]: h.sim.deploymentId, [Claim.contentItems]: [item], ...(settings.data !== undefined && { [Claim.deepLinkData]: settings.data }) });
    expect((await fetch(settings.deep_link_return_url, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) })).status).toBe(200);
    const link = h.sim.resourceLinks().at(-1)!;
    if (flavor === 'moodle') h.sim.saveActivityForm(link.id);
    return link.id;
  }

  async function customOf(course: string, linkId: string): Promise<Record<string, string>> {
    const result = await launch(h.tool.app, h.sim, { user: h.roster.users.pdlead!.sub, course, resourceLink: { id: linkId }, roles: [Role.instructor] });
    expect(result.status).toBe(200);
    return h.tool.launches.at(-1)?.[Claim.custom] as Record<string, string>;
  }

  it('gives the copy new context and link ids, a history naming the originals, and its own column', async () => {
    const originalId = await placeGradedLink();
    expect(await customOf(h.roster.course.id, originalId)).toMatchObject({ context_history: '', resource_link_history: '$ResourceLink.id.history' });

    const [copied] = h.sim.copyCourse(h.roster.course.id, copy);
    expect(copied).toMatchObject({ courseId: copy.id, history: [originalId], custom: { pdp_target: '/dashboard', ...HISTORY } });
    expect(copied!.id).not.toBe(originalId);
    const column = h.sim.ags.lineItems(copy.id).find((c) => c.id === copied!.lineItemId);
    expect(column).toMatchObject({ label: 'PD plan progress', resourceId: 'pdp-plan', tag: 'pd-plan', resourceLinkId: copied!.id });

    // Like Canvas and Moodle: the course history is substituted, the link history is not.
    const custom = await customOf(copy.id, copied!.id);
    expect(custom).toMatchObject({ context_history: h.roster.course.contextId ?? h.roster.course.id, resource_link_history: '$ResourceLink.id.history' });
    const launched = h.tool.launches.at(-1)!;
    expect(launched[Claim.context]).toMatchObject({ id: copy.contextId ?? copy.id });
    expect(launched[Claim.agsEndpoint]).toMatchObject({ lineitem: column!.id });

    h.sim.sendsLinkHistory = true;
    expect((await customOf(copy.id, copied!.id)).resource_link_history).toBe(originalId);
    h.sim.sendsLinkHistory = false;
  });
});
