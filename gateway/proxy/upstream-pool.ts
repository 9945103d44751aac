import http from 'node:http';
import https from 'node:https';
import type { Upstream } from '../snapshot/types.ts';

export interface UpstreamTarget {
  /** Origin only: the path is built by the gateway and sent verbatim. */
  origin: URL;
  /** The upstream URL's own path without a trailing `/`, prefixed to the forwarded path. */
  pathPrefix: string;
  agent: http.Agent;
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

  constructor(upstream: Upstream, agents: AgentCache) {
    this.targets = upstream.urls.map((raw) => {
      const url = new URL(raw);
      const secure = url.protocol === 'https:' || url.protocol === 'wss:';
      const origin = new URL(`${secure ? 'https' : 'http'}://${url.host}/`);
      return {
        origin,
        pathPrefix: url.pathname.replace(/\/+$/, ''),
        agent: agents.get(origin, upstream),
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
 * Keep-alive agents shared by every API that talks to the same origin with the same
 * TLS settings, and kept across snapshot reloads so that a reload does not drop
 * the warm connections.
 */
export class AgentCache {
  readonly #agents = new Map<string, http.Agent>();

  get(origin: URL, upstream: Upstream): http.Agent {
    const tls = upstream.tls;
    const key = `${origin.href} ${tls ? JSON.stringify(tls) : ''}`;
    let agent = this.#agents.get(key);
    if (agent) return agent;
    const common = { keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 256, scheduling: 'lifo' as const };
    agent =
      origin.protocol === 'https:'
        ? new https.Agent({
            ...common,
            rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
            ...(tls?.caBundle ? { ca: tls.caBundle } : {}),
            ...(tls?.serverName ? { servername: tls.serverName } : {}),
          })
        : new http.Agent(common);
    this.#agents.set(key, agent);
    return agent;
  }

  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
