import express from 'express';
import supertest from 'supertest';
import { config } from '../../src/config';
import { safeUrl } from '../../src/log';
import { errorHandler } from '../../src/web/errors';
import { requireHttps } from '../../src/web/security';

function appFor(env: 'production' | 'development') {
  const app = express();
  app.set('trust proxy', true);
  app.use(requireHttps({ ...config(), env }));
  app.get('/dashboard', (_req, res) => res.json({ ok: true }));
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  app.use(errorHandler);
  return app;
}

test('production refuses plain HTTP, so session cookies never travel unencrypted', async () => {
  const res = await supertest(appFor('production')).get('/dashboard').set('Accept', 'application/json');
  expect(res.status).toBe(400);
  expect(res.body.title).toBe('HTTPS required');
  expect((await supertest(appFor('production')).get('/dashboard').set('X-Forwarded-Proto', 'https')).status).toBe(200);
  // Load balancers probe health over plain HTTP.
  expect((await supertest(appFor('production')).get('/healthz')).status).toBe(200);
  expect((await supertest(appFor('development')).get('/dashboard')).status).toBe(200);
});

test('tokens in URLs are redacted before a URL is logged', () => {
  expect(safeUrl('/dashboard?ltik=eyJabc.def&tab=goals')).toBe('/dashboard?ltik=[redacted]&tab=goals');
  expect(safeUrl('/webservice/rest/server.php?wstoken=secret123&wsfunction=x')).toBe('/webservice/rest/server.php?wstoken=[redacted]&wsfunction=x');
  expect(safeUrl('/register?openid_configuration=https%3A%2F%2Fx&registration_token=abc')).toBe('/register?openid_configuration=https%3A%2F%2Fx&registration_token=[redacted]');
  expect(safeUrl('/record/print?ticket=eyJ.abc.def')).toBe('/record/print?ticket=[redacted]');
});
