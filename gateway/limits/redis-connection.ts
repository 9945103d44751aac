import { Cluster, Redis } from 'ioredis';

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

/**
 * `redis://` and `rediss://` URLs go to ioredis as they are (host, port, auth, `/db`).
 * A cluster is `redis+cluster://[user:pass@]host:port,host:port` (or `rediss+cluster://`):
 * the listed nodes are only seeds; ioredis discovers the rest from CLUSTER SLOTS.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^(rediss?)(\+cluster)?:\/\/(.*)$/.exec(url);
  if (!match) throw new Error(`unsupported Redis URL (want redis://, rediss://, redis+cluster://): ${redact(url)}`);
  const [, scheme, cluster, rest = ''] = match;
  if (!cluster) return { kind: 'single', url };
  let hosts = rest.replace(/\/.*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = hosts.lastIndexOf('@');
  if (at >= 0) {
    const auth = hosts.slice(0, at);
    hosts = hosts.slice(at + 1);
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined;
    password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
  }
  const nodes = hosts.split(',').filter(Boolean).map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
    if (!m || !m[1]) throw new Error(`bad cluster node "${hostPort}" in ${redact(url)}`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 6379 };
  });
  if (nodes.length === 0) throw new Error(`no cluster nodes in ${redact(url)}`);
  return { kind: 'cluster', nodes, username, password, tls: scheme === 'rediss' };
}

/** For error messages and logs: never print a password. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

export interface ConnectionOptions {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * A client that never makes a request wait for Redis: no offline queue (a command while
 * disconnected fails at once), a command timeout, in-flight commands failed rather than
 * carried over a reconnect and never resent (a resent check would count a request twice,
 * after the gateway had already decided it without Redis). Reconnects keep going in the
 * background with capped backoff, so counting resumes when Redis is back.
 */
export function createRedisClient(target: RedisTarget, options: ConnectionOptions): Redis | Cluster {
  const common = {
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  const backoff = (times: number) => Math.min(50 * times, 1000);
  if (target.kind === 'single') {
    // No autopipelining here: RedisLimitStore batches a single node's checks itself,
    // several in one script call, and a pipeline around each call would only cost.
    return new Redis(target.url, { ...common, enableOfflineQueue: false, retryStrategy: backoff });
  }
  return new Cluster(target.nodes, {
    enableOfflineQueue: false,
    // Checks in flight meanwhile go to a node as one write when the last one is answered.
    enableAutoPipelining: true,
    clusterRetryStrategy: backoff,
    // A check must not sit through cluster-down or redirection retries: fail it and let
    // the product's failure mode decide.
    retryDelayOnClusterDown: 0,
    retryDelayOnFailover: 0,
    retryDelayOnTryAgain: 0,
    maxRedirections: 2,
    redisOptions: {
      ...common,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}
