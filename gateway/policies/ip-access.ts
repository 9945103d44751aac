import { BlockList, isIP } from 'node:net';
import type { IpAccess } from '../snapshot/types.ts';

/**
 * Allow and deny lists (CIDR, IPv4 and IPv6; IPv4-mapped IPv6 addresses match IPv4 rules).
 * IPv4 is matched in JS as 32-bit numbers (tens of ns); Node's BlockList, a native call
 * of about 400 ns, is kept for IPv6.
 */
export interface CompiledIpAccess {
  allow: CidrSet | undefined;
  deny: CidrSet | undefined;
}

export interface CidrSet {
  /** Network and mask pairs, as unsigned 32-bit numbers. */
  v4: Array<[number, number]>;
  v6: BlockList | undefined;
}

export function compileIpAccess(access: IpAccess, errors: string[], where: string): CompiledIpAccess {
  const build = (list: readonly string[], field: string): CidrSet | undefined => {
    if (list.length === 0) return undefined;
    const set: CidrSet = { v4: [], v6: undefined };
    for (const [i, cidr] of list.entries()) {
      const parsed = parseCidr(cidr);
      if (!parsed) errors.push(`${where}.${field}[${i}]: ${JSON.stringify(cidr)} is not an address or CIDR block`);
      else if (parsed.family === 'ipv4') {
        const mask = parsed.prefix === 0 ? 0 : (0xffffffff << (32 - parsed.prefix)) >>> 0;
        set.v4.push([(ipv4Number(parsed.address) & mask) >>> 0, mask]);
      } else (set.v6 ??= new BlockList()).addSubnet(parsed.address, parsed.prefix, 'ipv6');
    }
    return set;
  };
  return { allow: build(access.allow, 'allow'), deny: build(access.deny, 'deny') };
}

export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : /^[0-9]{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : -1;
  if (prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Deny wins; a non-empty allow list refuses every address it does not hold. */
export function ipAllowed(access: CompiledIpAccess, ip: string): boolean {
  const v4 = ipv4Of(ip);
  if (access.deny && holds(access.deny, ip, v4)) return false;
  return access.allow === undefined || holds(access.allow, ip, v4);
}

function holds(set: CidrSet, ip: string, v4: number): boolean {
  if (v4 >= 0) {
    for (const [net, mask] of set.v4) if ((v4 & mask) >>> 0 === net) return true;
    return false;
  }
  return set.v6 !== undefined && isIP(ip) === 6 && set.v6.check(ip, 'ipv6');
}

/** The address as a 32-bit number when it is IPv4 (or IPv4-mapped IPv6), else -1. */
export function ipv4Of(ip: string): number {
  const text = ip.length > 7 && ip.charCodeAt(0) === 0x3a && /^::ffff:/i.test(ip) ? ip.slice(7) : ip;
  return isIP(text) === 4 ? ipv4Number(text) : -1;
}

function ipv4Number(address: string): number {
  let n = 0;
  let part = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 0x2e) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 0x30);
  }
  return n * 256 + part;
}
