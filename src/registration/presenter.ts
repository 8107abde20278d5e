import type { PlatformConfiguration } from '../lti/registration/dynamicRegistration';
import type { RegistrationInviteDoc } from './model';

const PRODUCTS: Record<string, string> = { canvas: 'Canvas', moodle: 'Moodle' };

export function productName(platform: Pick<PlatformConfiguration, 'product'>): string {
  return PRODUCTS[platform.product] ?? (platform.product === 'unknown' ? 'your LMS' : platform.product);
}

/** The confirmation page: what will be registered, for which platform, through which link. */
export function confirmation(platform: PlatformConfiguration, invite: RegistrationInviteDoc) {
  return {
    platform: {
      product: productName(platform),
      version: platform.version,
      family: platform.family,
      issuer: platform.issuer,
      configurationHost: new URL(platform.configurationUrl).host,
    },
    invite: {
      note: invite.note ?? '',
      expires: invite.expiresAt.toISOString(),
    },
  };
}
