import type { Route } from '../snapshot/types.ts';

/** Shared by every request that hits it. */
export interface RouteHit<T> {
  readonly target: T;
  readonly basePath: string;
  /** How many path segments the base path takes, so that matching can start after them. */
  readonly baseSegments: number;
}

/**
 * Host, then the longest base path that is a whole-segment prefix of the path.
 * A host's own routes win over `*` routes; `*` is the fallback for every host.
 */
export class RouteTable<T> {
  /** Each hit made once, when the table is built: a lookup allocates nothing. */
  readonly #byHost = new Map<string, Map<string, RouteHit<T>>>();
  /** Whether any route names a host: without one, the Host header is not looked at. */
  readonly #hostRoutes: boolean;

  constructor(routes: readonly Route[], resolve: (route: Route) => T | undefined) {
    for (const route of routes) {
      const target = resolve(route);
      if (target === undefined) continue;
      let paths = this.#byHost.get(route.host);
      if (!paths) this.#byHost.set(route.host, (paths = new Map()));
      paths.set(route.basePath, Object.freeze({ target, basePath: route.basePath, baseSegments: countSegments(route.basePath) }));
    }
    this.#hostRoutes = this.#byHost.size > (this.#byHost.has('*') ? 1 : 0);
  }

  lookup(hostHeader: string | undefined, path: string): RouteHit<T> | undefined {
    if (hostHeader && this.#hostRoutes) {
      const host = hostHeader.toLowerCase();
      const hit = this.#inHost(host, path);
      if (hit) return hit;
      const colon = host.lastIndexOf(':');
      if (colon > 0 && !host.endsWith(']')) {
        const bare = this.#inHost(host.slice(0, colon), path);
        if (bare) return bare;
      }
    }
    return this.#inHost('*', path);
  }

  #inHost(host: string, path: string): RouteHit<T> | undefined {
    const paths = this.#byHost.get(host);
    if (!paths) return undefined;
    let end = path.length;
    while (end > 0) {
      const hit = paths.get(end === path.length ? path : path.slice(0, end));
      if (hit !== undefined) return hit;
      end = path.lastIndexOf('/', end - 1);
    }
    return undefined;
  }
}

function countSegments(basePath: string): number {
  let n = 0;
  for (let i = 0; i < basePath.length; i++) if (basePath.charCodeAt(i) === 0x2f) n++;
  return n;
}
