import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { createLimitStore } from '../gateway/limits/create-limit-store.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway/server/create-gateway.ts';
import { lazyWriter, sqlUsageWriter, type UsageWriter } from '../gateway/usage/usage-writer.ts';
import type { CompileResult } from '../operator/compiler/compile.ts';
import { DocumentUpdates } from './document-updates.ts';
import { DirectorySource } from '../operator/sources/directory-source.ts';
import { DEFAULT_POLICY, type RotationPolicy } from '../operator/tokens/signing-key-policy.ts';
import { DevCredentialStore } from './dev-credential-store.ts';
import { DevReconcile } from './dev-reconcile.ts';
import { DevSigningKeys } from './dev-signing-keys.ts';
import { DevStatuses } from './dev-statuses.ts';
import { devQuotaUsage } from './status-usage.ts';
import { parseTimeZone } from '../gateway/limits/time-zone.ts';
import { FirstSeenTimes } from './first-seen.ts';
import { inProcessDelivery } from './in-process-delivery.ts';
import type { RefreshBounds } from './next-refresh.ts';
import type { Portal, PortalOptions } from '../portal/server/create-portal.ts';
import type { LimitStore } from '../gateway/limits/types.ts';

export interface DevOptions {
  paths: string[];
  proxyPort: number;
  adminPort: number;
  host: string;
  stateDir: string;
  environment?: string;
  defaultNamespace: string;
  /** YAML files larger than this are refused (the loader's default when unset). */
  maxFileBytes?: number;
  /** Where people read what happens; access logs go to the logger. */
  print: (line: string) => void;
  logger?: Logger;
  clock?: (() => Date) | undefined;
  /** Signing key rotation and token lifetime; defaults: DEFAULT_POLICY. */
  tokenPolicy?: Partial<RotationPolicy> | undefined;
  /** How often to check whether the signing keys are due for rotation; default 60 s. */
  rotationCheckMs?: number;
  /** When to recompile for the clock alone (credential expiries); default 1 s to 60 s. */
  refreshBounds?: RefreshBounds;
  /** The developer portal on its own port (0: any free one); none when unset. */
  portal?: { port: number; dir?: string; oidc?: PortalOptions['oidc'] };
  /** The usage ledger (`pglite:DIR` or `postgres://...`), migrated at start; absent: no usage recorded. */
  usageDatabase?: string;
  /** How often usage is written; default 10 s. */
  usageFlushIntervalMs?: number;
  /** How often subscriptions' quota usage in status.yaml is brought up to date; default 5 s. */
  usageStatusIntervalMs?: number;
  /** Policy and TLS options for the gateway: secrets directory, trusted proxies, HTTPS listener. */
  gatewayPolicies?: Pick<GatewayOptions, 'secretsDir' | 'trustedProxies' | 'tls'>;
}

export interface DevServer {
  gateway: Gateway;
  credentials: DevCredentialStore;
  signingKeys: DevSigningKeys;
  /** Runs the signing key policy now (a rotation with `force`), recompiling if the ring changed. */
  rotateSigningKeys(options?: { force?: boolean }): void;
  /** The developer portal, when it runs. */
  portal: Portal | undefined;
  limitStore: LimitStore;
  /** The latest compile, for tests and the status file. */
  last(): CompileResult | undefined;
  close(): Promise<void>;
}

/**
 * `tollgate dev`: directory source -> credentials -> compile -> gateway, in one
 * process, with no cluster and no Redis. Each settled change recompiles; the
 * gateway swaps the new snapshot in or keeps the last good one. The reconcile is
 * DevReconcile; this is its wiring.
 */
export async function runDev(o: DevOptions): Promise<DevServer> {
  const clock = o.clock ?? (() => new Date());
  const logger = o.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const credentials = new DevCredentialStore(o.stateDir, { now: clock });
  const signingKeys = new DevSigningKeys(o.stateDir, { ...DEFAULT_POLICY, ...o.tokenPolicy });
  const limitStore = createLimitStore({});
  const gateway = await startDevGateway(o, limitStore, logger, clock);
  const loopback = o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  const proxyUrl = `http://${loopback}:${gateway.proxyPort}`;
  let ring = signingKeys.at(clock()).ring;
  // The statuses read the served subscriptions from the reconcile, which needs the statuses first.
  const served: { reconcile?: DevReconcile } = {};
  const usage = devQuotaUsage(limitStore, () => served.reconcile?.last()?.snapshot.subscriptions ?? [], parseTimeZone('UTC'));
  const statuses = new DevStatuses(join(o.stateDir, 'status.yaml'), o.print, { hold: true, usage });
  const reconcile = new DevReconcile({
    credentials,
    firstSeen: new FirstSeenTimes(o.stateDir, { now: clock, warn: o.print }),
    statuses,
    delivery: inProcessDelivery(gateway, { ring: () => ring, file: signingKeys.file }),
    ring: () => ring,
    proxyUrl,
    serving: () => gateway.currentVersion(),
    stateDir: o.stateDir,
    print: o.print,
    clock,
    ...(o.refreshBounds ? { refreshBounds: o.refreshBounds } : {}),
  });

  served.reconcile = reconcile;
  const usageTimer = setInterval(() => statuses.refreshUsage(clock()), o.usageStatusIntervalMs ?? 5_000);
  usageTimer.unref();

  const rotateSigningKeys = (options: { force?: boolean } = {}): void => {
    const next = signingKeys.at(clock(), options);
    if (!next.changed) return;
    ring = next.ring;
    o.print(`signing keys now ${ring.keys.map((k) => `${k.kid.slice(0, 8)} (from ${k.activateAt}${k.retireAt ? ` until ${k.retireAt}` : ''})`).join(', ')}`);
    reconcile.again([signingKeys.file]);
  };
  const rotationTimer = setInterval(rotateSigningKeys, o.rotationCheckMs ?? 60_000);
  rotationTimer.unref();

  const source = await watchDirectories(o, reconcile);
  o.print(`gateway on ${proxyUrl}, admin on http://${loopback}:${gateway.adminPort} (/metrics, /readyz); watching ${o.paths.join(', ')}`);
  // Loaded only when it runs: the portal's modules (Markdown, sanitiser, OpenID client) are no cost to a dev without it.
  const portal =
    o.portal && (await (await import('./dev-portal.ts')).startDevPortal(o, { reconcile, credentials, limitStore, proxyUrl, clock, host: loopback }));
  // Ready means serving; status.yaml (a second's writing at 60,000 objects) follows, before runDev returns.
  statuses.release();

  return {
    gateway,
    credentials,
    signingKeys,
    rotateSigningKeys,
    portal,
    limitStore,
    last: () => reconcile.last(),
    close: async () => {
      await portal?.close();
      reconcile.close();
      clearInterval(rotationTimer);
      clearInterval(usageTimer);
      await source.close();
      await gateway.close();
      await limitStore.close();
    },
  };
}

/** The gateway of `tollgate dev`: the memory limit store, usage and policies as the options say. */
function startDevGateway(o: DevOptions, limitStore: LimitStore, logger: Logger, clock: () => Date): Promise<Gateway> {
  return createGateway({
    proxyPort: o.proxyPort,
    adminPort: o.adminPort,
    host: o.host,
    stateDir: join(o.stateDir, 'gateway'),
    // Every start recompiles, so the saved copy is only for serving while that happens: written after the start.
    persistDelayMs: 1_000,
    ...(o.environment ? { environment: o.environment } : {}),
    limitStore,
    logger,
    clock: () => clock().getTime(),
    ...devUsage(o),
    ...o.gatewayPolicies,
    ...devSecretsDir(o),
  });
}

function devUsage(o: DevOptions): Pick<GatewayOptions, 'usage'> {
  if (!o.usageDatabase) return {};
  return { usage: { writer: devUsageWriter(o.usageDatabase), ...(o.usageFlushIntervalMs ? { flushIntervalMs: o.usageFlushIntervalMs } : {}) } };
}

/** The directory source and the OpenAPI documents it names, loaded once and then watched; each update reaches the reconcile in order. */
async function watchDirectories(o: DevOptions, reconcile: DevReconcile): Promise<{ close(): Promise<void> }> {
  const source = new DirectorySource(o.paths, { defaultNamespace: o.defaultNamespace, ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}) });
  // Each API's OpenAPI document is read and resolved (asynchronously) before the synchronous reconcile; updates stay in order.
  const documents = new DocumentUpdates({
    paths: o.paths,
    ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}),
    apply: (u) => reconcile.apply(u),
    print: o.print,
  });
  await documents.first(source.load());
  await source.watch(documents.update);
  return {
    close: async () => {
      await source.close();
      await documents.close();
    },
  };
}

/** The dev gateway's usage writer: the store opens (and is migrated) after the start, never holding it up. */
function devUsageWriter(url: string): UsageWriter {
  const writer = lazyWriter(async () => {
    const { openUsageDatabase } = await import('../usage/open-database.ts');
    const { migrate } = await import('../usage/migrations.ts');
    const db = await openUsageDatabase(url);
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return sqlUsageWriter(db, 'dev', String(Date.now()));
  });
  // A few seconds after the start (the gateway serves by then), so that Ctrl-C soon after need not wait for PGlite.
  setTimeout(() => writer.prepare(), 3_000).unref();
  return writer;
}

/** Policies' Secrets come from `secrets/` in the first directory watched, unless `--secrets-dir` says otherwise (gateway/POLICIES.md). */
function devSecretsDir(o: DevOptions): { secretsDir?: string } {
  if (o.gatewayPolicies?.secretsDir !== undefined) return {};
  const first = o.paths[0];
  if (first === undefined || !existsSync(first) || !statSync(first).isDirectory()) return {};
  const beside = join(first, 'secrets');
  return existsSync(beside) ? { secretsDir: beside } : {};
}
