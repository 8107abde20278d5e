import type { PlatformConfiguration } from '../lti/registration';
import type { RegistrationInviteDoc } from './model';

const PRODUCTS: Record<string, string> = { canvas: 'Canvas', moodle: 'Moodle' };

export function productName(platform: Pick<PlatformConfiguration, 'product' | 'version'>): string {
  const name = PRODUCTS[platform.product] ?? (platform.product === 'unknown' ? 'your LMS' : platform.product);
  return platform.version && name !== 'your LMS' ? `${name} ${platform.version}` : name;
}

/** The confirmation page: what will be registered, for which platform, through which link. */
export function confirmation(platform: PlatformConfiguration, invite: RegistrationInviteDoc) {
  return {
    platform: {
      product: productName(platform),
      family: platform.family,
      issuer: platform.issuer,
      configurationHost: new URL(platform.configurationUrl).host,
    },
    invite: {
      note: invite.note ?? '',
      expiresIso: invite.expiresAt.toISOString(),
      expires: `${invite.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    },
  };
}
