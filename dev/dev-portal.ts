import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LimitStore } from '../gateway/limits/types.ts';
import { createPortal, type Portal } from '../portal/server/create-portal.ts';
import type { DevCredentialStore } from './dev-credential-store.ts';
import type { DevReconcile } from './dev-reconcile.ts';
import { DevPortalBackend } from './portal-backend.ts';
import type { DevOptions } from './run-dev.ts';

/** Where the portal writes new objects: `portal/` in the first watched directory, so the watcher picks them up. */
export function defaultPortalDir(paths: string[]): string {
  const first = paths[0] ?? '.';
  let dir = first;
  try {
    if (!statSync(first).isDirectory()) dir = dirname(first);
  } catch {
    dir = dirname(first);
  }
  return join(dir, 'portal');
}

/** The portal of `tollgate dev`: local sign-in (no IdP), public products listed to anyone, writes as YAML files. */
export async function startDevPortal(
  o: DevOptions,
  parts: { reconcile: DevReconcile; credentials: DevCredentialStore; limitStore: LimitStore; proxyUrl: string; clock: () => Date; host: string },
): Promise<Portal | undefined> {
  const dir = o.portal?.dir ?? defaultPortalDir(o.paths);
  const backend = new DevPortalBackend({
    paths: o.paths,
    portalDir: dir,
    defaultNamespace: o.defaultNamespace,
    view: () => parts.reconcile.portalView(parts.proxyUrl),
    credentials: parts.credentials,
    limitStore: parts.limitStore,
    clock: parts.clock,
  });
  const gatewayOrigins = [parts.proxyUrl, parts.proxyUrl.replace('127.0.0.1', 'localhost')];
  const oidc = o.portal?.oidc;
  let portal: Portal;
  try {
    portal = await createPortal({
      port: o.portal!.port,
      host: o.host,
      backend,
      gatewayOrigins,
      // With an IdP configured, its sign-in replaces the local one.
      localSignIn: !oidc,
      ...(oidc ? { oidc } : {}),
      anonymous: true,
      clock: parts.clock,
      ...(o.logger ? { logger: o.logger } : {}),
    });
  } catch (e) {
    // A busy port (another tollgate dev) costs the portal, never the gateway that already serves.
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    o.print(`portal not started: port ${o.portal!.port} is in use (--portal-port PORT, 0 for any free one, or --no-portal)`);
    return undefined;
  }
  o.print(`portal on ${portal.url} (${oidc ? `sign-in with ${oidc.issuer}` : 'local sign-in, no identity provider'}; writes YAML to ${dir})`);
  if (!oidc && !['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
    o.print(
      `warning: the portal's local sign-in (anyone as anyone, approvers included) is reachable on ${o.host}; keep tollgate dev on 127.0.0.1 or use --no-portal`,
    );
  }
  return portal;
}
