import { randomBytes } from 'node:crypto';

export const TOKEN_LIFETIME_SECONDS = 3600;

interface IssuedToken {
  scopes: string[];
  expiresAt: number;
}

/** Access tokens handed out by the token endpoint, and the client assertion `jti`s already seen. */
export class AccessTokens {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly seenJti = new Map<string, number>();

  issue(scopes: string[]): string {
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, { scopes, expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000 });
    return token;
  }

  lookup(token: string): IssuedToken | undefined {
    const found = this.issued.get(token);
    if (found && found.expiresAt <= Date.now()) {
      this.issued.delete(token);
      return undefined;
    }
    return found;
  }

  /** Remembers a jti until the assertion expires; false when it was already used. */
  useJti(jti: string, expSeconds: number): boolean {
    const now = Date.now();
    for (const [seen, until] of this.seenJti) if (until < now) this.seenJti.delete(seen);
    if (this.seenJti.has(jti)) return false;
    this.seenJti.set(jti, expSeconds * 1000);
    return true;
  }

  /** Makes every issued token invalid (tests of token refresh). */
  revokeAll(): void {
    this.issued.clear();
  }
}
