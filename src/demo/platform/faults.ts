import type { RequestHandler } from 'express';

export interface FaultRule {
  /** Matched against the request path relative to the router (string = substring). All service routes when omitted. */
  path?: RegExp | string;
  method?: string;
  /** Answer with this status instead of serving the request. */
  status?: number;
  /** Response body for `status` (JSON); a generic error object when omitted. */
  body?: unknown;
  /** Sets `Retry-After` (seconds) on the injected response. */
  retryAfterSeconds?: number;
  /** Delay before the request is answered or served. */
  latencyMs?: number;
  /** Apply to this many matching requests, then retire. */
  times?: number;
  /** Apply until this moment, then retire. */
  until?: Date;
}

export interface ActiveFault extends FaultRule {
  /** How many requests this rule has hit so far. */
  hits: number;
}

/** Injects errors and latency into the token, AGS and NRPS routes. */
export class FaultInjector {
  private rules: ActiveFault[] = [];

  add(rule: FaultRule): ActiveFault {
    const active: ActiveFault = { ...rule, hits: 0 };
    this.rules.push(active);
    return active;
  }

  remove(rule: ActiveFault): void {
    this.rules = this.rules.filter((r) => r !== rule);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    this.retireSpent();
    return [...this.rules];
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      const rule = this.match(req.method, req.path);
      if (!rule) return next();
      rule.hits += 1;
      const respond = (): void => {
        if (rule.status === undefined) return next();
        if (rule.retryAfterSeconds !== undefined) res.set('Retry-After', String(rule.retryAfterSeconds));
        res.status(rule.status).json(rule.body ?? { error: 'injected_fault', status: rule.status });
      };
      if (rule.latencyMs) setTimeout(respond, rule.latencyMs);
      else respond();
    };
  }

  private match(method: string, path: string): ActiveFault | undefined {
    this.retireSpent();
    return this.rules.find(
      (r) =>
        (!r.method || r.method.toUpperCase() === method) &&
        (r.path === undefined || (typeof r.path === 'string' ? path.includes(r.path) : r.path.test(path))),
    );
  }

  private retireSpent(): void {
    const now = Date.now();
    this.rules = this.rules.filter(
      (r) => (r.times === undefined || r.hits < r.times) && (r.until === undefined || r.until.getTime() > now),
    );
  }
}
