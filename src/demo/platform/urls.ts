import type { FlavorProfile } from './flavors';

/** Absolute URLs of the simulator's endpoints, laid out like the flavor's real platform. */
export class PlatformUrls {
  constructor(
    readonly base: string,
    private readonly profile: FlavorProfile,
    private readonly deploymentId: () => string,
  ) {}

  get auth(): string {
    return this.base + this.profile.paths.auth;
  }

  get token(): string {
    return this.base + this.profile.paths.token;
  }

  get jwks(): string {
    return this.base + this.profile.paths.jwks;
  }

  get openidConfiguration(): string {
    return this.base + this.profile.paths.openidConfiguration;
  }

  get registration(): string {
    return this.base + this.profile.paths.registration;
  }

  get autosubmitScript(): string {
    return `${this.base}/lti/autosubmit.js`;
  }

  lineItems(courseId: string): string {
    return this.service(this.profile.paths.lineItems, { courseId });
  }

  lineItem(courseId: string, itemId: string): string {
    return this.service(this.profile.paths.lineItem, { courseId, itemId });
  }

  memberships(courseId: string): string {
    // The binding in Moodle's path already names the tool type, so no type_id query here.
    return this.base + fill(this.profile.paths.memberships, { courseId, typeId: this.deploymentId() });
  }

  deepLinkReturn(courseId: string | undefined): string {
    return this.pageUrl(this.profile.paths.deepLinkReturn, courseId);
  }

  launchReturn(courseId: string | undefined): string {
    return this.pageUrl(this.profile.paths.launchReturn, courseId);
  }

  /** Canvas routes carry the course in the path (or an account when there is none); Moodle in `?course=`. */
  private pageUrl(patterns: string[], courseId: string | undefined): string {
    const [coursePattern, accountPattern] = patterns;
    if (!accountPattern) {
      const query = new URLSearchParams({ ...(courseId ? { course: courseId } : {}), id: this.deploymentId() });
      return `${this.base}${coursePattern}?${query}`;
    }
    return courseId
      ? this.base + fill(coursePattern, { courseId })
      : this.base + fill(accountPattern, { accountId: '1' });
  }

  private service(pattern: string, params: Record<string, string>): string {
    const query = this.profile.serviceQuery ? `?${this.profile.serviceQuery}=${encodeURIComponent(this.deploymentId())}` : '';
    return this.base + fill(pattern, params) + query;
  }
}

function fill(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** Appends path segments (e.g. `scores`, or `results` and a user id) before any query string of a line item URL. */
export function lineItemSubresource(lineItemUrl: string, ...segments: string[]): string {
  const url = new URL(lineItemUrl);
  url.pathname = [url.pathname.replace(/\/$/, ''), ...segments.map(encodeURIComponent)].join('/');
  return url.toString();
}
