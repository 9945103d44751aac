import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { createLimitStore } from '../gateway/limits/create-limit-store.ts';
import { createGateway, type Gateway } from '../gateway/server/create-gateway.ts';
import { compile, type CompileResult } from '../operator/compiler/compile.ts';
import { Reason } from '../operator/compiler/conditions.ts';
import type { ObjectStatus } from '../operator/compiler/object-status.ts';
import type { CredentialStatus } from '../operator/compiler/process-application.ts';
import { DevCredentialStore } from './dev-credential-store.ts';
import { mergeConditions } from '../operator/status/merge-conditions.ts';
import { formatDiagnostic } from '../operator/loader/diagnostic.ts';
import { DirectorySource, type SourceUpdate } from '../operator/sources/directory-source.ts';
import { DevSigningKeys } from './dev-signing-keys.ts';
import { DEFAULT_POLICY, publicKeys, type RotationPolicy } from '../operator/tokens/signing-key-policy.ts';
import { toBlockYaml } from './block-yaml.ts';
import { FirstSeenTimes } from './first-seen.ts';
import { DEFAULT_REFRESH_BOUNDS, nextRefreshMs, type RefreshBounds } from './next-refresh.ts';
import { printNewCredentials } from './print-new-credentials.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

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
  clock?: () => Date;
  /** Signing key rotation and token lifetime; defaults: DEFAULT_POLICY. */
  tokenPolicy?: Partial<RotationPolicy>;
  /** How often to check whether the signing keys are due for rotation; default 60 s. */
  rotationCheckMs?: number;
  /** When to recompile for the clock alone (credential expiries); default 1 s to 60 s. */
  refreshBounds?: RefreshBounds;
}

export interface DevServer {
  gateway: Gateway;
  credentials: DevCredentialStore;
  signingKeys: DevSigningKeys;
  /** Runs the signing key policy now (a rotation with `force`), recompiling if the ring changed. */
  rotateSigningKeys(options?: { force?: boolean }): void;
  /** The latest compile, for tests and the status file. */
  last(): CompileResult | undefined;
  close(): Promise<void>;
}

/**
 * `tollgate dev`: directory source -> credentials -> compile -> gateway, in one
 * process, with no cluster and no Redis. Each settled change recompiles; the
 * gateway swaps the new snapshot in or keeps the last good one.
 */
export async function runDev(o: DevOptions): Promise<DevServer> {
  const clock = o.clock ?? (() => new Date());
  const logger = o.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const credentials = new DevCredentialStore(o.stateDir, { now: clock });
  const firstSeen = new FirstSeenTimes(o.stateDir, { now: clock, warn: o.print });
  const signingKeys = new DevSigningKeys(o.stateDir, { ...DEFAULT_POLICY, ...o.tokenPolicy });
  const limitStore = createLimitStore({});
  const gateway = await createGateway({
    proxyPort: o.proxyPort,
    adminPort: o.adminPort,
    host: o.host,
    stateDir: join(o.stateDir, 'gateway'),
    ...(o.environment ? { environment: o.environment } : {}),
    limitStore,
    logger,
    clock: () => clock().getTime(),
  });
  const proxyUrl = `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${gateway.proxyPort}`;
  const previous = new Map<string, ObjectStatus['status']>();
  let last: CompileResult | undefined;
  let lastUpdate: SourceUpdate | undefined;
  let ring = signingKeys.at(clock()).ring;
  let ringInGateway: typeof ring | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastStatusText: string | undefined;

  /** `refresh`: the same inputs again because time passed; it prints only what changed. */
  const apply = (update: SourceUpdate, refresh = false): void => {
    lastUpdate = update;
    const { resources } = update;
    // Statuses carry state across compiles (approval trail, whether a subscription was active), as in a cluster.
    for (const list of [resources.apis, resources.products, resources.applications, resources.subscriptions]) {
      for (const r of list) {
        const st = previous.get(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
        if (st && !r.status) (r as { status?: unknown }).status = st;
      }
    }
    firstSeen.stamp(resources);
    const { views, issued } = credentials.reconcile(resources.applications);
    resources.credentials = views;
    const tokens = { issuer: proxyUrl, audience: 'tollgate', keys: publicKeys(ring) };
    const result = compile(resources, { now: clock(), tokens, secrets: 'dev' });
    last = result;
    // Statuses that depend on the clock (an expired credential) are recomputed when they change, as the operator's resync does.
    clearTimeout(refreshTimer);
    if (!closed) {
      refreshTimer = setTimeout(() => lastUpdate && apply(lastUpdate, true), nextRefreshMs(result.snapshot, clock().getTime(), o.refreshBounds ?? DEFAULT_REFRESH_BOUNDS));
      refreshTimer.unref();
    }
    if (!refresh) for (const d of update.diagnostics.filter((x) => x.severity !== 'note' || x.code === 'KeptLastGood')) o.print(formatDiagnostic(d));
    for (const f of refresh ? [] : result.findings.filter((x) => x.severity !== 'info')) {
      const src = f.object.source;
      o.print(`${src ? `${src.file}:${src.line}:${src.column}: ` : ''}${f.severity} ${f.reason}: ${f.object.kind} ${f.object.metadata.namespace}/${f.object.metadata.name}: ${f.field ? `${f.field}: ` : ''}${f.message}`);
    }
    const applied = gateway.applySnapshot(result.snapshot, 'dev');
    if (!applied.ok) {
      o.print(`gateway refused the snapshot, still serving ${gateway.currentVersion() ?? 'nothing'}: ${applied.errors.join('; ')}`);
      return;
    }
    // After the snapshot: a key is published before the gateway may sign with it.
    // Only when it changed: every edit recompiles, the ring changes once a rotation.
    if (ring !== ringInGateway && gateway.setSigningKeys(ring, signingKeys.file).ok) ringInGateway = ring;
    // In dev mode the one gateway is in-process: what it applied is programmed.
    for (const s of result.statuses) {
      const key = `${s.kind}/${s.namespace}/${s.name}`;
      const programmed = s.status.conditions.find((c) => c.type === 'Programmed');
      if (programmed?.status === 'Unknown') Object.assign(programmed, { status: 'True', reason: Reason.Programmed, message: `applied by the dev gateway (${applied.version.slice(0, 19)})` });
      s.status.conditions = mergeConditions(previous.get(key)?.conditions as never, s.status.conditions, clock());
      if (s.kind === 'Application') printExpired(previous.get(key), s);
      previous.set(key, s.status);
    }
    const statusText = toBlockYaml(result.statuses);
    // Whole or not at all: `tollgate credentials list` may be reading it. Unchanged on most timed refreshes.
    if (statusText !== lastStatusText) writeFileAtomic(join(o.stateDir, 'status.yaml'), statusText, 0o644);
    lastStatusText = statusText;
    const counts = `${result.snapshot.routes.length} route(s), ${result.snapshot.products.length} product(s), ${result.snapshot.applications.length} application(s), ${result.snapshot.subscriptions.length} active subscription(s)`;
    if (!refresh || applied.changed) o.print(`${applied.changed ? 'serving' : 'unchanged'} ${applied.version.slice(0, 19)}: ${counts}${update.changed.length ? ` (after ${update.changed.length > 5 ? `${update.changed.length} files` : update.changed.join(', ')})` : ''}`);
    printNewCredentials(issued, { snapshot: result.snapshot, proxyUrl, credentialsFile: join(o.stateDir, 'credentials.json'), print: o.print });
  };

  const printExpired = (before: ObjectStatus['status'] | undefined, now: ObjectStatus): void => {
    const was = new Map((before as { credentials?: CredentialStatus[] } | undefined)?.credentials?.map((c) => [c.name, c.state]));
    for (const c of (now.status as { credentials?: CredentialStatus[] }).credentials ?? []) {
      if (c.state === 'Expired' && was.get(c.name) === 'Active') o.print(`credential ${c.name} of Application ${now.namespace}/${now.name} expired at ${c.expiresAt}`);
    }
  };

  const rotateSigningKeys = (options: { force?: boolean } = {}): void => {
    const next = signingKeys.at(clock(), options);
    if (!next.changed) return;
    ring = next.ring;
    o.print(`signing keys now ${ring.keys.map((k) => `${k.kid.slice(0, 8)} (from ${k.activateAt}${k.retireAt ? ` until ${k.retireAt}` : ''})`).join(', ')}`);
    if (lastUpdate) apply({ ...lastUpdate, changed: [signingKeys.file] });
  };
  const rotationTimer = setInterval(rotateSigningKeys, o.rotationCheckMs ?? 60_000);
  rotationTimer.unref();

  const source = new DirectorySource(o.paths, { defaultNamespace: o.defaultNamespace, ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}) });
  apply(source.load());
  await source.watch((update) => apply(update));
  o.print(`gateway on ${proxyUrl}, admin on http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${gateway.adminPort} (/metrics, /readyz); watching ${o.paths.join(', ')}`);

  return {
    gateway,
    credentials,
    signingKeys,
    rotateSigningKeys,
    last: () => last,
    close: async () => {
      closed = true;
      clearTimeout(refreshTimer);
      clearInterval(rotationTimer);
      await source.close();
      await gateway.close();
      await limitStore.close();
    },
  };
}
