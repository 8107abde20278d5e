import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressAllowed, checkUrl, guardedFetch, isPublicAddress, OutboundFailed, OutboundPolicy, outboundPolicy, OutboundRefused } from '../../src/kernel/outbound';
import { config } from '../../src/config';

const production = (allowedHosts: string[] = []): OutboundPolicy => outboundPolicy({ ...config(), env: 'production', outbound: { allowedHosts } });
const development = outboundPolicy({ ...config(), env: 'development', outbound: { allowedHosts: [] } });

test('only ordinary unicast addresses count as public', () => {
  for (const a of ['8.8.8.8', '151.101.1.140', '2606:4700::1111']) expect(isPublicAddress(a)).toBe(true);
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', 'not-an-ip']) {
    expect([a, isPublicAddress(a)]).toEqual([a, false]);
  }
});

test('production allows private addresses only for listed hosts and networks', () => {
  const policy = production(['moodle.district.internal', '10.20.0.0/16', '192.168.5.9']);
  expect(addressAllowed('10.20.3.4', 'lms.example', policy)).toBe(true);
  expect(addressAllowed('10.21.3.4', 'lms.example', policy)).toBe(false);
  expect(addressAllowed('192.168.5.9', 'lms.example', policy)).toBe(true);
  expect(addressAllowed('127.0.0.1', 'moodle.district.internal', policy)).toBe(true);
  expect(addressAllowed('127.0.0.1', 'MOODLE.district.internal', policy)).toBe(true);
  expect(addressAllowed('127.0.0.1', 'other.internal', policy)).toBe(false);
  expect(addressAllowed('127.0.0.1', 'localhost', development)).toBe(true);
});

test('production accepts https URLs only, without credentials or non-public literal addresses', () => {
  const policy = production();
  expect(checkUrl('https://canvas.instructure.com/api/lti/security/openid-configuration', policy).host).toBe('canvas.instructure.com');
  expect(() => checkUrl('http://canvas.instructure.com/x', policy)).toThrow(OutboundRefused);
  expect(() => checkUrl('ftp://canvas.instructure.com/x', policy)).toThrow(OutboundRefused);
  expect(() => checkUrl('https://user:pw@canvas.instructure.com/x', policy)).toThrow(OutboundRefused);
  expect(() => checkUrl('https://[::1]/x', policy)).toThrow('::1 is not a public address');
  expect(() => checkUrl('https://2130706433/x', policy)).toThrow('127.0.0.1 is not a public address');
  expect(() => checkUrl('not a url', policy)).toThrow(OutboundRefused);
  expect(checkUrl('http://127.0.0.1:3000/x', development).port).toBe('3000');
});

describe('guardedFetch', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big') res.end('x'.repeat(5000));
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
      else if (req.url === '/moved') res.writeHead(302, { location: '/big' }).end();
      else res.setHeader('content-type', 'application/json').end(JSON.stringify({ method: req.method, ua: req.headers['user-agent'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('answers with status and body, and names PD Pathways as the user agent', async () => {
    const res = await guardedFetch(`${base}/x`, { method: 'POST', body: '{}' }, development);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ method: 'POST', ua: expect.stringMatching(/^PD-Pathways\//) });
  });

  test('caps the answer size and the time, and does not follow redirects', async () => {
    await expect(guardedFetch(`${base}/big`, { maxBytes: 1000 }, development)).rejects.toThrow(OutboundFailed);
    await expect(guardedFetch(`${base}/slow`, { timeoutMs: 200 }, development)).rejects.toThrow('did not answer in time');
    expect((await guardedFetch(`${base}/moved`, {}, development)).status).toBe(302);
  });

  test('refuses a host name that resolves to loopback in production, before connecting', async () => {
    await expect(guardedFetch(`https://localhost:${new URL(base).port}/x`, {}, production())).rejects.toThrow(/localhost resolves to .*not a public address/);
  });
});
