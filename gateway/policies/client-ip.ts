import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import { isIP } from 'node:net';

/**
 * The client's address for IP rules, limits keyed by IP and `${clientIp}`: the socket's
 * peer, unless that peer is a trusted proxy (`--trusted-proxy CIDR`); then
 * `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first
 * address that is not one is the client. Without trusted proxies the header is ignored
 * (a client could write anything in it).
 */
export function clientIp(req: IncomingMessage, trusted: BlockList | undefined): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trusted === undefined || !isTrusted(trusted, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return client;
}

function isTrusted(trusted: BlockList, ip: string): boolean {
  const version = isIP(ip);
  if (version === 0) return false;
  if (version === 6 && ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4 && trusted.check(ip.slice(7), 'ipv4')) return true;
  return trusted.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}
