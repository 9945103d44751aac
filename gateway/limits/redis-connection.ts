import { Cluster, Redis } from 'ioredis';

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string | undefined; password?: string | undefined; tls: boolean };

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
  const nodes = hosts
    .split(',')
    .filter(Boolean)
    .map((hostPort) => {
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
  connectTimeoutMs: number;
}

/**
 * A client that never makes a request wait for Redis: no offline queue (a command while
 * disconnected fails at once), in-flight commands failed rather than
 * carried over a reconnect and never resent (a resent check would count a request twice,
 * after the gateway had already decided it without Redis). Reconnects keep going in the
 * background with capped backoff, so counting resumes when Redis is back.
 */
export function createRedisClient(target: RedisTarget, options: ConnectionOptions): Redis | Cluster {
  // No ioredis commandTimeout: its timer fires late on a busy loop, before the reply that
  // already arrived is read; RedisLimitStore judges the deadline itself (replyWithin).
  const common = {
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  const backoff = (times: number) => Math.min(50 * times, 1000);
  if (target.kind === 'single') {
    // No autopipelining: RedisLimitStore batches checks itself, several in one script call.
    return new Redis(target.url, { ...common, enableOfflineQueue: false, retryStrategy: backoff });
  }
  return new Cluster(target.nodes, {
    enableOfflineQueue: false,
    // No autopipelining: it would hold a batch back, unseen, until the node answers the
    // one before, and that wait would count against the batch's own deadline.
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
