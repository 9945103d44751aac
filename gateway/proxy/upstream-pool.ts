import https from 'node:https';
import { Pool } from 'undici';
import type { UpstreamWithCertificate as Upstream } from '../policies/backend-certificate.ts';

export interface UpstreamTarget {
  /** Origin only: the path is built by the gateway and sent verbatim. */
  origin: URL;
  /** `origin.host`, read once: the URL getter makes a new string per call, and each request needs it twice. */
  host: string;
  /** The upstream URL's own path without a trailing `/`, prefixed to the forwarded path. */
  pathPrefix: string;
  /** The keep-alive connection pool requests to this target go through. */
  client: Pool;
  /** What WebSocket upgrades connect with: the target's TLS settings, or none for plain HTTP. */
  wsAgent: https.Agent | false;
  consecutiveFailures: number;
  ejectedUntil: number;
  ejections: number;
}

/** Failures in a row (connect errors, resets before a response) that take a target out of rotation. */
const EJECT_AFTER = 3;
const BASE_EJECTION_MS = 5_000;
const MAX_EJECTION_MS = 60_000;

/**
 * Round-robin over an API's upstream URLs with passive ejection (Envoy's outlier
 * detection, simplified): a target that keeps failing sits out for a while that grows
 * with each ejection. When every target is out, all of them are tried again rather
 * than none (panic mode): refusing everything is never better than trying.
 */
export class UpstreamPool {
  readonly targets: UpstreamTarget[];
  #next = 0;

  constructor(upstream: Upstream, clients: UpstreamClients) {
    this.targets = upstream.urls.map((raw) => {
      const url = new URL(raw);
      const secure = url.protocol === 'https:' || url.protocol === 'wss:';
      const origin = new URL(`${secure ? 'https' : 'http'}://${url.host}/`);
      return {
        origin,
        host: origin.host,
        pathPrefix: url.pathname.replace(/\/+$/, ''),
        client: clients.get(origin, upstream),
        wsAgent: clients.wsAgent(origin, upstream),
        consecutiveFailures: 0,
        ejectedUntil: 0,
        ejections: 0,
      };
    });
  }

  /** The next target in rotation that is not ejected and not in `tried`; falls back to any untried one. */
  pick(now: number, tried: ReadonlySet<UpstreamTarget>): UpstreamTarget | undefined {
    const n = this.targets.length;
    let fallback: UpstreamTarget | undefined;
    for (let i = 0; i < n; i++) {
      const target = this.targets[(this.#next + i) % n]!;
      if (tried.has(target)) continue;
      if (target.ejectedUntil > now) {
        fallback ??= target;
        continue;
      }
      this.#next = (this.#next + i + 1) % n;
      return target;
    }
    return fallback;
  }

  /** Returns true when this failure ejected the target. */
  failed(target: UpstreamTarget, now: number): boolean {
    target.consecutiveFailures++;
    if (target.consecutiveFailures < EJECT_AFTER || target.ejectedUntil > now) return false;
    target.ejections++;
    target.ejectedUntil = now + Math.min(BASE_EJECTION_MS * target.ejections, MAX_EJECTION_MS);
    target.consecutiveFailures = 0;
    return true;
  }

  succeeded(target: UpstreamTarget): void {
    target.consecutiveFailures = 0;
    if (target.ejectedUntil === 0) return;
    target.ejectedUntil = 0;
    target.ejections = 0;
  }
}

/**
 * Keep-alive connection pools (undici) shared by every API that talks to the same
 * origin with the same TLS settings and connect timeout, and kept across snapshot
 * reloads so that a reload does not drop the warm connections.
 *
 * A pool no snapshot uses any more is closed after a grace period, not at once: a
 * request judged by the previous snapshot may still be on its way to it (waiting
 * for Redis, or retrying). Closing is graceful, so requests already sent finish.
 */
export class UpstreamClients {
  readonly #pools = new Map<string, Pool>();
  readonly #closing = new Map<Pool, NodeJS.Timeout>();
  readonly #wsAgents = new Map<string, https.Agent>();
  readonly #graceMs: number;

  constructor(options: { unusedGraceMs?: number } = {}) {
    this.#graceMs = options.unusedGraceMs ?? 120_000;
  }

  get(origin: URL, upstream: Upstream): Pool {
    const key = `${origin.href} ${upstream.connectTimeoutMs} ${upstream.tls ? JSON.stringify(upstream.tls) : ''} ${upstream.clientCertificate?.digest ?? ''}`;
    let pool = this.#pools.get(key);
    if (pool) return pool;
    pool = new Pool(origin.origin, {
      connectTimeout: upstream.connectTimeoutMs,
      // No pipelining: one request per connection at a time, as a browser-facing proxy must.
      pipelining: 1,
      keepAliveTimeout: 30_000,
      ...(origin.protocol === 'https:' ? { connect: tlsOptions(upstream) } : {}),
    });
    this.#pools.set(key, pool);
    return pool;
  }

  /**
   * WebSocket upgrades to a TLS upstream verify it as HTTP requests do. One agent
   * per TLS setting; upgraded sockets leave the agent, so nothing is pooled.
   */
  wsAgent(origin: URL, upstream: Upstream): https.Agent | false {
    if (origin.protocol !== 'https:') return false;
    const key = JSON.stringify(upstream.tls ?? {}) + (upstream.clientCertificate?.digest ?? '');
    let agent = this.#wsAgents.get(key);
    if (!agent) this.#wsAgents.set(key, (agent = new https.Agent({ keepAlive: false, ...tlsOptions(upstream) })));
    return agent;
  }

  /** After a reload: the pools `inUse` reaches stay, the others close once the grace period has passed. */
  retain(inUse: Iterable<UpstreamPool>): void {
    const used = new Set<Pool>();
    for (const upstreamPool of inUse) for (const target of upstreamPool.targets) used.add(target.client);
    for (const [key, pool] of this.#pools) {
      const timer = this.#closing.get(pool);
      if (used.has(pool)) {
        if (timer) {
          clearTimeout(timer);
          this.#closing.delete(pool);
        }
        continue;
      }
      if (timer) continue;
      const close = setTimeout(() => {
        this.#closing.delete(pool);
        if (this.#pools.get(key) === pool) this.#pools.delete(key);
        pool.close().catch(() => {});
      }, this.#graceMs);
      close.unref();
      this.#closing.set(pool, close);
    }
  }

  async destroy(): Promise<void> {
    for (const timer of this.#closing.values()) clearTimeout(timer);
    this.#closing.clear();
    for (const agent of this.#wsAgents.values()) agent.destroy();
    this.#wsAgents.clear();
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}

function tlsOptions(upstream: Upstream): { rejectUnauthorized: boolean; ca?: string; servername?: string; cert?: string; key?: string } {
  const tls = upstream.tls;
  const pair = upstream.clientCertificate;
  return {
    rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
    ...(tls?.caBundle ? { ca: tls.caBundle } : {}),
    ...(tls?.serverName ? { servername: tls.serverName } : {}),
    ...(pair ? { cert: pair.cert, key: pair.key } : {}),
  };
}
