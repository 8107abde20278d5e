import type { AccessTokens } from './accessTokens';
import type { AgsStore } from './agsData';
import type { Directory } from './directory';
import type { FaultInjector } from './faults';
import type { FlavorProfile } from './flavors';
import type { PlatformKeys } from './keys';
import type { LaunchRecords } from './launches';
import type { DeepLinkResponseRecord, SimResourceLink, TokenRequestRecord, ToolEndpoints } from './types';
import type { PlatformUrls } from './urls';

/** The simulator's shared state, handed to each endpoint module. */
export interface SimCore {
  profile: FlavorProfile;
  urls: PlatformUrls;
  issuer: string;
  clientId: string;
  deploymentId: string;
  tool: ToolEndpoints;
  nrpsPageSize: number;
  lineItemPageSize: number;
  directory: Directory;
  keys: PlatformKeys;
  launches: LaunchRecords;
  ags: AgsStore;
  tokens: AccessTokens;
  faults: FaultInjector;
  resourceLinks: Map<string, SimResourceLink>;
  /** Opaque deep-linking `data` values handed out, which the tool must echo. */
  deepLinkData: Set<string>;
  /** False simulates a platform that takes no line items with deep-linked content (`accept_lineitem: false`). */
  acceptLineItems: boolean;
  /** True simulates a platform that substitutes `$ResourceLink.id.history` (Canvas and Moodle do not). */
  sendsLinkHistory: boolean;
  tokenRequests: TokenRequestRecord[];
  deepLinkResponses: DeepLinkResponseRecord[];
}
