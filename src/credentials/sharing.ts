import QRCode from 'qrcode';

// Where a holder takes a badge: LinkedIn's add-to-profile form, a wallet that imports from a link, a QR code.

export interface LinkedInCertification {
  /** The badge's name, LinkedIn's "Name" field. */
  name: string;
  organizationName: string;
  /** The district's LinkedIn company page id (digits), when PD staff gave one: LinkedIn then links its page. */
  organizationId?: string | null;
  issuedAt: Date;
  expiresAt?: Date | null;
  /** The verify page: LinkedIn's "Credential URL". */
  certUrl: string;
  /** LinkedIn's "Credential ID". */
  certId: string;
}

/**
 * LinkedIn's add-to-profile link for a certification (https://addtoprofile.linkedin.com): the member's
 * "Add license or certification" form, filled in; nothing is posted until they save it there.
 */
export function linkedInUrl(c: LinkedInCertification): string {
  const params = new URLSearchParams({ startTask: 'CERTIFICATION_NAME', name: c.name });
  if (c.organizationId) params.set('organizationId', c.organizationId);
  else params.set('organizationName', c.organizationName);
  params.set('issueYear', String(c.issuedAt.getUTCFullYear()));
  params.set('issueMonth', String(c.issuedAt.getUTCMonth() + 1));
  if (c.expiresAt) {
    params.set('expirationYear', String(c.expiresAt.getUTCFullYear()));
    params.set('expirationMonth', String(c.expiresAt.getUTCMonth() + 1));
  }
  params.set('certUrl', c.certUrl);
  params.set('certId', c.certId);
  return `https://www.linkedin.com/profile/add?${params}`;
}

/**
 * The Learner Credential Wallet's credential request deep link (its `dccrequest://request` handler): the
 * wallet posts a DID Auth presentation carrying `challenge` to `vc_request_url` and stores the credential
 * that comes back. `issuer` names who offers it.
 */
export function walletDeepLink(offer: { issuer: string; requestUrl: string; challenge: string }): string {
  const params = new URLSearchParams({ issuer: offer.issuer, auth_type: 'bearer', challenge: offer.challenge, vc_request_url: offer.requestUrl });
  return `dccrequest://request?${params}`;
}

/** A QR code as a PNG: dark on white with a quiet zone, sized to scan from a screen. */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 });
}

/** A file name for a download: the badge's name in lower-case words, ASCII only. */
export function downloadName(name: string, suffix: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'badge'}${suffix}`;
}
