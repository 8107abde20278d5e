import { Catalog } from './catalog';
import { Parameters } from './commands/context';
import { Edge } from './indexes';

const DATE_RANK = 10;

/** Deletes documents whose TTL-indexed date is older than `expireAfterSeconds`; returns how many. */
export function sweepExpired(catalog: Catalog, now = Date.now()): number {
  let removed = 0;
  for (const colls of catalog.databases.values()) {
    for (const coll of colls.values()) {
      for (const ix of coll.indexes) {
        const ttl = ix.spec.expireAfterSeconds;
        if (typeof ttl !== 'number' || ix.fields.length !== 1) continue;
        const cutoff = new Date(now - ttl * 1000);
        const expired = new Set(ix.scan([], { lo: new Edge(DATE_RANK, false), loInc: true, hi: cutoff, hiInc: true }, () => undefined));
        for (const rid of expired) coll.delete(rid);
        removed += expired.size;
      }
    }
  }
  return removed;
}

/** Runs sweeps every `ttlMonitorSleepSecs` (read each time, so setParameter takes effect) on an unref'd timer. */
export function startTtlMonitor(catalog: Catalog, params: Parameters, afterSweep: () => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => {
      if (sweepExpired(catalog) > 0) afterSweep();
      schedule();
    }, params.ttlMonitorSleepSecs * 1000);
    timer.unref();
  };
  schedule();
  return { stop: () => clearTimeout(timer) };
}
