// Deep Linking 2.0 request: https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-request-message
import type { IdToken } from 'ltijs';

/** What the platform asked for in the deep-linking request's `deep_linking_settings` claim. */
export interface DeepLinkingSettings {
  returnUrl: string;
  acceptMultiple: boolean;
  acceptLineItem: boolean;
  acceptTypes: string[];
}

/** Platforms send these flags as booleans or as the strings "true"/"false"; absent means allowed. */
const refused = (flag: boolean | string | undefined) => flag === false || flag === 'false';

/** The settings of a deep-linking launch; undefined for any other launch. */
export function deepLinkingSettings(token: IdToken): DeepLinkingSettings | undefined {
  const s = token.platformContext.deepLinkingSettings as
    | { deep_link_return_url?: string; accept_multiple?: boolean | string; accept_lineitem?: boolean | string; accept_types?: string[] }
    | undefined;
  if (!s) return undefined;
  return {
    returnUrl: s.deep_link_return_url as string,
    acceptMultiple: !refused(s.accept_multiple),
    acceptLineItem: !refused(s.accept_lineitem),
    acceptTypes: s.accept_types ?? [],
  };
}
