// Deep Linking 2.0 response: https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-response-message
import { Provider as lti } from 'ltijs';
import type { IdToken } from 'ltijs';

/** An `ltiResourceLink` content item: a link the platform places, launching the tool with `custom`. */
export interface LtiResourceLinkItem {
  type: 'ltiResourceLink';
  title: string;
  text?: string;
  url: string;
  custom?: Record<string, string>;
  lineItem?: { label: string; scoreMaximum: number; resourceId: string; tag: string };
}

/** The deep-linking response, signed with the tool's key by ltijs; the browser posts it to `returnUrl`. */
export function signDeepLinkingResponse(token: IdToken, items: LtiResourceLinkItem[], message: string): Promise<string> {
  return lti.DeepLinking.createDeepLinkingMessage(token, items, { message });
}
