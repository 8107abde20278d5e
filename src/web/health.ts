import { Router } from 'express';
import mongoose from 'mongoose';

export interface ReadinessResult {
  ok: boolean;
  detail?: Record<string, unknown>;
}
export type ReadinessCheck = () => Promise<ReadinessResult>;

async function database(): Promise<ReadinessResult> {
  if (mongoose.connection.readyState !== 1 || !mongoose.connection.db) return { ok: false, detail: { state: mongoose.connection.readyState } };
  const started = Date.now();
  await mongoose.connection.db.admin().command({ ping: 1 });
  return { ok: true, detail: { pingMs: Date.now() - started } };
}

/** `/healthz` and `/readyz`; `checks` add what "ready" means for a feature (e.g. the outbox's queue lag). */
export function healthRouter(checks: Record<string, ReadinessCheck> = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, ReadinessResult> = {};
    for (const [name, check] of [['database', database] as const, ...Object.entries(checks)]) {
      try {
        results[name] = await check();
      } catch (err) {
        results[name] = { ok: false, detail: { error: (err as Error).message } };
      }
    }
    const ok = Object.values(results).every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks: results });
  });
  return router;
}
