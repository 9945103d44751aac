import { InvalidArgumentError, Option } from 'commander';
import type { GatewayOptions } from '../../gateway/server/create-gateway.ts';

/** The options `tollgate gateway` and `tollgate dev` share for policies and TLS (gateway/POLICIES.md). */
export interface PolicyCommandOptions {
  secretsDir?: string;
  trustedProxy?: string[];
  tlsPort?: number;
  tlsCert?: string[];
  tlsClientCa?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('not a port');
  return n;
}

export function policyOptions(): Option[] {
  return [
    new Option('--secrets-dir <dir>', 'Secrets that policies name (backend credentials), as <dir>/<namespace>/<name>/<key>; rotations are picked up').env(
      'TOLLGATE_SECRETS_DIR',
    ),
    new Option('--trusted-proxy <cidr>', 'a proxy whose X-Forwarded-For names the client for IP rules and limits by IP (repeatable)').argParser(collect),
    new Option('--tls-port <port>', 'also serve HTTPS on this port (needs --tls-cert)').argParser(port),
    new Option('--tls-cert <dir>', 'a directory with tls.crt and tls.key (a mounted TLS Secret); repeat for SNI, the first is the default').argParser(collect),
    new Option('--tls-client-ca <file>', 'CA bundle for client certificates matched by subject (mutual TLS)'),
  ];
}

/** The gateway options these flags give; throws a usage error for a TLS port without certificates. */
export function policyGatewayOptions(o: PolicyCommandOptions): Partial<GatewayOptions> {
  const out: Partial<GatewayOptions> = {};
  if (o.secretsDir) out.secretsDir = o.secretsDir;
  if (o.trustedProxy?.length) out.trustedProxies = o.trustedProxy;
  if (o.tlsPort !== undefined) {
    if (!o.tlsCert?.length) throw new InvalidArgumentError('--tls-port needs at least one --tls-cert DIR');
    out.tls = { port: o.tlsPort, certDirs: o.tlsCert, ...(o.tlsClientCa ? { clientCa: o.tlsClientCa } : {}) };
  }
  return out;
}
