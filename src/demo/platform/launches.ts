import { randomBytes } from 'node:crypto';
import type { LaunchSpec } from './types';

const HINT_TTL_MS = 5 * 60 * 1000;

interface LaunchRecord {
  spec: LaunchSpec;
  expiresAt: number;
}

export type HintLookup = { ok: true; spec: LaunchSpec } | { ok: false; reason: string };

/** Server-side launch records referenced by `lti_message_hint`. */
export class LaunchRecords {
  private readonly records = new Map<string, LaunchRecord>();

  constructor(private readonly singleUse: boolean) {}

  create(spec: LaunchSpec): string {
    this.sweep();
    const hint = randomBytes(16).toString('hex');
    this.records.set(hint, { spec, expiresAt: Date.now() + HINT_TTL_MS });
    return hint;
  }

  take(hint: string | undefined): HintLookup {
    if (!hint) return { ok: false, reason: 'lti_message_hint is missing' };
    const record = this.records.get(hint);
    if (!record) return { ok: false, reason: 'lti_message_hint is unknown or was already used' };
    if (this.singleUse) this.records.delete(hint);
    if (record.expiresAt < Date.now()) return { ok: false, reason: 'lti_message_hint has expired' };
    return { ok: true, spec: record.spec };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [hint, record] of this.records) if (record.expiresAt < now) this.records.delete(hint);
  }
}
