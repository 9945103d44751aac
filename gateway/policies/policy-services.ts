import type { BlockList } from 'node:net';
import type { TokenService } from '../tokens/token-service.ts';
import { BackendAuthenticator } from './backend-auth.ts';
import { BackendJwtSigner } from './backend-jwt.ts';
import { ResponseCache } from './response-cache.ts';
import type { Registry } from 'prom-client';
import { parseCidr } from './ip-access.ts';
import { SecretStore } from './secret-store.ts';
import { BlockList as Blocks } from 'node:net';

/** What the policy steps share across requests: one per gateway. */
export interface PolicyServices {
  secrets: SecretStore;
  backendAuth: BackendAuthenticator;
  backendJwt: BackendJwtSigner;
  cache: ResponseCache;
  /** Peers whose `X-Forwarded-For` is believed (gateway/policies/client-ip.ts); undefined: none. */
  trustedProxies: BlockList | undefined;
}

export function createPolicyServices(
  options: { secretsDir?: string | undefined; trustedProxies?: readonly string[] | undefined; responseCacheBytes?: number | undefined },
  now: () => number,
  tokens: TokenService,
  registry: Registry,
): PolicyServices {
  const secrets = new SecretStore(options.secretsDir);
  return {
    secrets,
    backendAuth: new BackendAuthenticator(secrets, now),
    backendJwt: new BackendJwtSigner(tokens),
    cache: new ResponseCache({ maxBytes: options.responseCacheBytes ?? 64 * 1024 * 1024, registry }),
    trustedProxies: trustedProxies(options.trustedProxies ?? []),
  };
}

/** Throws on a bad CIDR: it is the operator's start-up option, not user input in a snapshot. */
export function trustedProxies(cidrs: readonly string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new Blocks();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr.trim());
    if (!parsed) throw new Error(`--trusted-proxy ${JSON.stringify(cidr)} is not an address or CIDR block`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}
