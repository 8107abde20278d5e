import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { config } from '../config';

/**
 * Requests to URLs that platforms or users supply (an `openid_configuration`, a registration endpoint),
 * guarded against server-side request forgery: in production only `https:` to public addresses, unless
 * `outbound.allowedHosts` lists the host or its network. The address is checked after DNS resolution, in
 * the socket's own lookup, so the connection goes to the address that was checked (no DNS-rebinding gap).
 * Redirects are never followed, answers are capped in time and size.
 */

/** The request was not sent: the URL or the address it resolves to is not allowed. */
export class OutboundRefused extends Error {}

/** The request was sent but did not complete: unreachable, timed out, or the answer was too large. */
export class OutboundFailed extends Error {}

export interface OutboundPolicy {
  /** Production: `https:` only and public addresses only. */
  strict: boolean;
  hosts: ReadonlySet<string>;
  networks: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface OutboundResponse {
  status: number;
  contentType: string;
  /** The answer's Cache-Control header ('' when it sent none). */
  cacheControl: string;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 256 * 1024;

/** The policy in force: strict in production; `outbound.allowedHosts` entries are host names or CIDRs. */
export function outboundPolicy(cfg = config()): OutboundPolicy {
  const hosts = new Set<string>();
  const networks: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of cfg.outbound.allowedHosts) {
    if (entry.includes('/')) networks.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) networks.push([ipaddr.process(entry), ipaddr.process(entry).kind() === 'ipv4' ? 32 : 128]);
    else hosts.add(entry.toLowerCase());
  }
  return { strict: cfg.env === 'production', hosts, networks };
}

/** Only ordinary unicast addresses are public: not loopback, private, link-local, ULA, CGNAT, multicast or reserved. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

function inAllowedNetwork(address: string, policy: OutboundPolicy): boolean {
  const ip = ipaddr.process(address);
  return policy.networks.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
}

/** Whether a connection to this address (for this host name) is allowed under the policy. */
export function addressAllowed(address: string, hostname: string, policy: OutboundPolicy): boolean {
  if (!policy.strict || policy.hosts.has(hostname.toLowerCase())) return true;
  return isPublicAddress(address) || inAllowedNetwork(address, policy);
}

/** Checks the URL itself (scheme, credentials, literal addresses) before anything is resolved. */
export function checkUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused('not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.strict)) throw new OutboundRefused(`${url.protocol} URLs are not allowed (https: only)`);
  if (url.username || url.password) throw new OutboundRefused('URLs with credentials are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !addressAllowed(host, host, policy)) throw new OutboundRefused(`${host} is not a public address`);
  return url;
}

/** A dns lookup for the socket that refuses the connection when any resolved address is not allowed. */
function guardedLookup(policy: OutboundPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const refused = addresses.find((a) => !addressAllowed(a.address, hostname, policy));
      if (refused || addresses.length === 0) {
        return callback(new OutboundRefused(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Sends one request under the policy; resolves with the status and the (capped) body text, whatever the status. */
export function guardedFetch(raw: string, req: OutboundRequest = {}, policy = outboundPolicy()): Promise<OutboundResponse> {
  const url = checkUrl(raw, policy);
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  const client = url.protocol === 'https:' ? https : http;
  const headers = { 'user-agent': `PD-Pathways/1.0 (+${config().publicUrl})`, ...req.headers };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err instanceof OutboundRefused || err instanceof OutboundFailed ? err : new OutboundFailed(`${url.host} could not be reached: ${err.message}`));
      request.destroy();
    };
    const request = client.request(url, { method: req.method ?? 'GET', headers, agent: false, lookup: guardedLookup(policy) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(new OutboundFailed(`the answer from ${url.host} is larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        if (size <= maxBytes) resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), cacheControl: String(res.headers['cache-control'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    // One deadline for connect, request and the whole answer (a socket idle timeout would let a slow drip through).
    timer = setTimeout(() => fail(new OutboundFailed(`${url.host} did not answer in time`)), req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    request.on('error', fail);
    request.end(req.body);
  });
}
