import { BlockList, isIP } from 'node:net';
import type { IpAccess } from '../snapshot/types.ts';

/** Allow and deny lists as Node's BlockList (CIDR, IPv4 and IPv6; IPv4-mapped IPv6 addresses match IPv4 rules). */
export interface CompiledIpAccess {
  allow: BlockList | undefined;
  deny: BlockList | undefined;
}

export function compileIpAccess(access: IpAccess, errors: string[], where: string): CompiledIpAccess {
  const build = (list: readonly string[], field: string): BlockList | undefined => {
    if (list.length === 0) return undefined;
    const blocks = new BlockList();
    for (const [i, cidr] of list.entries()) {
      const parsed = parseCidr(cidr);
      if (!parsed) errors.push(`${where}.${field}[${i}]: ${JSON.stringify(cidr)} is not an address or CIDR block`);
      else blocks.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    return blocks;
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
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  const mapped = family === 'ipv6' && ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : undefined;
  const holds = (list: BlockList) => list.check(ip, family) || (mapped !== undefined && list.check(mapped, 'ipv4'));
  if (access.deny && holds(access.deny)) return false;
  return access.allow === undefined || holds(access.allow);
}
