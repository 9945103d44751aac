import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Token } from '../gateway/sources/token.ts';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { startAdminServer } from '../gateway/admin/admin-server.ts';
import type { CompileResult } from './compiler/compile.ts';
import { LeaseElector, type LeaderInfo, type LeaseElectorOptions } from './leader/lease-elector.ts';
import { configMapReader } from './openapi/config-map-reader.ts';
import { OpenApiStage } from './openapi/openapi-stage.ts';
import { ClusterReconcile } from './pipeline/cluster-reconcile.ts';
import { GatewayWait } from './pipeline/gateway-wait.ts';
import { HoldOff } from './pipeline/hold-off.ts';
import { ObjectEvents } from './pipeline/object-events.ts';
import { OperatorMetrics } from './pipeline/operator-metrics.ts';
import { publisherDelivery } from './pipeline/publisher-delivery.ts';
import { startReportForwarding } from './pipeline/report-forwarding.ts';
import { Signal } from './pipeline/signal.ts';
import { SigningKeyLoop, type TokenServiceOptions } from './pipeline/signing-key-loop.ts';
import { StatusLoop } from './pipeline/status-loop.ts';
import { createSnapshotPublisher, type GatewayReport, type SnapshotPublisher } from './publish/snapshot-publisher.ts';
import { CrdGuard } from './sources/crd-guard.ts';
import { KubernetesSource } from './sources/kubernetes-source.ts';
import { ProgrammedTracker } from './status/programmed.ts';
import { StatusWriter } from './status/status-writer.ts';
import { ledgerUsage } from './pipeline/ledger-usage.ts';

export interface OperatorOptions {
  kubeconfig?: string;
  /** Where gateways long-poll for snapshots. */
  publisherPort: number;
  /** /metrics, /healthz, /readyz. */
  adminPort: number;
  host?: string;
  /** Bearer token gateways present to the publisher (a getter: read anew per request). */
  token?: Token;
  leaseNamespace: string;
  leaseName?: string;
  identity?: string;
  /**
   * This replica's publisher as the other replicas reach it (e.g. `http://10.1.2.3:8081`).
   * The leader writes it on its Lease; followers forward the gateway reports they
   * receive there, so that Programmed counts every gateway, whichever replica it
   * polls. Default: `http://$POD_IP:<publisherPort>` when POD_IP is set, else none
   * (one replica: nothing to forward).
   */
  advertiseUrl?: string;
  /** Changes are coalesced for this long before a recompile. */
  holdOffMs?: number;
  /** A replica not heard from for this long no longer counts for Programmed. */
  replicaStaleMs?: number;
  /** How long the leader waits for gateways to apply a new snapshot before writing statuses (default 1 s). */
  programmedWaitMs?: number;
  /** A full reconcile at least this often, changes or not (default 60 s): retries, replicas gone stale. */
  resyncMs?: number;
  leaseDurationMs?: number;
  leaseRenewDeadlineMs?: number;
  leaseRetryMs?: number;
  /** Kubernetes Events for what a user must notice (default on). */
  events?: boolean;
  /** A condition gone bad gets its Warning once it has stayed bad this long (default 2 s): not one that merely waited for its referent's watch. */
  eventSettleMs?: number;
  /**
   * The token service: issuer and audience of its access tokens. Its signing keys
   * live in a Secret in the lease namespace that the leader creates and rotates;
   * gateways mount it (`--signing-keys`). Absent: no token service.
   */
  tokens?: TokenServiceOptions;
  /** The usage ledger (`postgres://...`): the leader puts each Subscription's calls in its quota window in status.usage. */
  usageDatabase?: string;
  /** How often status.usage is brought up to date between reconciles (default 30 s). */
  usageIntervalMs?: number;
  /** The gateways' `--time-zone`, which their quota windows follow (default UTC). */
  quotaTimeZone?: string;
  logger?: Logger;
  clock?: () => Date;
}

export interface Operator {
  publisher: SnapshotPublisher;
  elector: LeaseElector;
  adminPort: number;
  isLeader(): boolean;
  last(): CompileResult | undefined;
  close(): Promise<void>;
}

/**
 * `tollgate operator`: informers -> (hold-off) -> credentials -> compile ->
 * publish to gateways; the leader alone writes Secrets and statuses. Every
 * replica compiles and serves snapshots, so gateways may reach any of them.
 * The stages live in ./pipeline; this is their wiring.
 */
export async function runOperator(o: OperatorOptions): Promise<Operator> {
  const logger = o.logger ?? pino({ name: 'tollgate-operator' });
  const clock = o.clock ?? (() => new Date());
  const kc = kubeConfig(o.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const identity = o.identity ?? `${hostname()}-${process.pid}`;
  const staleMs = o.replicaStaleMs ?? 90_000;
  const token = o.token ? { token: o.token } : {};
  const metrics = new OperatorMetrics();
  // What may need a reconcile; `true`: a full one, even if its inputs look the same.
  const changed = new Signal<boolean>();
  const reported = new Signal<GatewayReport>();
  const received = new Signal<GatewayReport>();
  const leadership = new Signal<boolean>();
  const leaderKnown = new Signal<LeaderInfo | undefined>();

  const source = clusterSource(kc, logger, metrics, changed);
  const reconcileRef: { current?: ClusterReconcile } = {};
  const publisher = await startPublisher(o, token, { reported, received, reconcileRef });
  const elector = new LeaseElector(kc, electorOptions(o, identity, logger, publisher.port, leadership, leaderKnown));
  const isLeader = () => elector.isLeader();
  metrics.trackLeader(isLeader, () => publisher.currentVersion());
  const forwarder = startReportForwarding({ identity, ...token, logger, metrics, elector, publisher, received, leaderKnown });
  const onKeys = { isLeader, clock, logger, onChange: () => changed.fire(true) };
  const signingKeys = o.tokens ? new SigningKeyLoop(core, o.leaseNamespace, o.tokens, onKeys) : undefined;
  const stages = reconcileStages(o, { kc, core, source, publisher, identity, isLeader, staleMs, clock, metrics, logger, signingKeys });
  const { events, wait, statuses, reconcile } = stages;
  reconcileRef.current = reconcile;
  const failed = (e: unknown) => logger.error({ err: String((e as Error).stack ?? e) }, 'reconcile failed');
  const reconciles = new HoldOff(() => reconcile.run(), o.holdOffMs ?? 100, failed);
  // A gateway's report changes Programmed alone: the last statuses again, not a reconcile.
  const rewrites = new HoldOff(async () => statuses.rewrite(), o.holdOffMs ?? 100, failed);

  changed.on((full) => {
    if (full) reconcile.forget();
    reconciles.schedule();
  });
  reported.on(() => {
    wait.notify();
    rewrites.schedule();
  });
  leadership.on((leading) => {
    events.reset();
    // A new leader makes the signing keys if there are none, or rotates them if due.
    if (leading) void signingKeys?.check();
    reconciles.schedule();
  });
  // A full reconcile at least this often, changes or not: retries, replicas gone stale.
  const resync = setInterval(() => changed.fire(true), o.resyncMs ?? 60_000).unref();
  // Calls move without any object changing: the last statuses again, with fresh counts.
  const usagePass = stages.usage && setInterval(() => statuses.rewrite(), o.usageIntervalMs ?? 30_000).unref();

  const admin = await startOperatorAdmin(o, metrics, () => source.healthy() && reconcile.last() !== undefined);
  await source.start();
  await signingKeys?.check();
  elector.start();
  reconciles.schedule();

  return {
    publisher,
    elector,
    adminPort: admin.port,
    isLeader,
    last: () => reconcile.last(),
    close: async () => {
      clearInterval(resync);
      clearInterval(usagePass);
      signingKeys?.close();
      // All at once: a reconcile that ends meanwhile must not start status writes.
      await Promise.all([reconciles.close(), rewrites.close(), statuses.close()]);
      await stages.usage?.close();
      await events.flush();
      await forwarder.close();
      await elector.stop();
      await source.stop();
      await publisher.close();
      await admin.close();
    },
  };
}

function startPublisher(
  o: OperatorOptions,
  token: { token?: Token },
  s: { reported: Signal<GatewayReport>; received: Signal<GatewayReport>; reconcileRef: { current?: ClusterReconcile } },
): Promise<SnapshotPublisher> {
  return createSnapshotPublisher({
    port: o.publisherPort,
    host: o.host ?? '0.0.0.0',
    ...token,
    onReport: (r) => s.reported.fire(r),
    onReceived: (r) => s.received.fire(r),
    // The developer portal's view of the latest compile; the reconcile that makes it is created after the publisher.
    portalView: () => s.reconcileRef.current?.portalView(o.tokens?.issuer ?? ''),
  });
}

function kubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

/** Probes and metrics: ready once the watches have synced and a first reconcile is done. */
function startOperatorAdmin(o: OperatorOptions, metrics: OperatorMetrics, ready: () => boolean) {
  return startAdminServer({
    port: o.adminPort,
    host: o.host ?? '0.0.0.0',
    registry: metrics.registry,
    health: () => ({ ok: true, body: 'ok' }),
    ready: () => ({ ok: ready(), body: ready() ? 'ready' : 'watches not synced' }),
  });
}

interface StageDeps {
  kc: KubeConfig;
  core: CoreV1Api;
  source: KubernetesSource;
  publisher: SnapshotPublisher;
  identity: string;
  isLeader: () => boolean;
  staleMs: number;
  clock: () => Date;
  metrics: OperatorMetrics;
  logger: Logger;
  signingKeys: SigningKeyLoop | undefined;
}

/** Compile-and-deliver and the status loop it feeds, with what they share. */
function reconcileStages(o: OperatorOptions, d: StageDeps) {
  const tracker = new ProgrammedTracker();
  // The usage source reads the served subscriptions from the reconcile, which needs the status loop first.
  const served: { reconcile?: ClusterReconcile } = {};
  const subscriptions = () => served.reconcile?.last()?.snapshot.subscriptions ?? [];
  const usage = o.usageDatabase
    ? ledgerUsage(o.usageDatabase, subscriptions, { ...(o.quotaTimeZone ? { timeZone: o.quotaTimeZone } : {}), logger: d.logger })
    : undefined;
  const crds = new CrdGuard(d.kc, d.logger);
  const events = new ObjectEvents(d.kc, {
    enabled: o.events !== false,
    identity: d.identity,
    isLeader: d.isLeader,
    logger: d.logger,
    metrics: d.metrics,
    clock: d.clock,
    ...(o.eventSettleMs !== undefined ? { settleMs: o.eventSettleMs } : {}),
  });
  const wait = new GatewayWait(() => d.publisher.reports(), d.clock, d.staleMs);
  const statuses = new StatusLoop({
    isLeader: d.isLeader,
    tracker,
    writer: new StatusWriter(d.kc),
    reports: () => d.publisher.reports(),
    stored: () => d.source.resources(),
    wait,
    waitMs: o.programmedWaitMs ?? 1_000,
    staleMs: d.staleMs,
    clock: d.clock,
    metrics: d.metrics,
    logger: d.logger,
    ...(usage ? { usage } : {}),
  });
  const reconcile = new ClusterReconcile({
    source: d.source,
    core: d.core,
    documents: new OpenApiStage({ files: false, configMaps: configMapReader(d.core) }),
    isLeader: d.isLeader,
    delivery: publisherDelivery(d.publisher, d.logger),
    tokens: () => d.signingKeys?.issuer(),
    tracker,
    events,
    statuses,
    metrics: d.metrics,
    logger: d.logger,
    clock: d.clock,
    crdProblem: () => crds.problem(),
  });
  served.reconcile = reconcile;
  return { events, wait, statuses, reconcile, usage };
}

function clusterSource(kc: KubeConfig, logger: Logger, metrics: OperatorMetrics, changed: Signal<boolean>): KubernetesSource {
  return new KubernetesSource(kc, {
    logger,
    onChange: () => changed.fire(false),
    onHealth: (watch, healthy) => {
      metrics.watchUp.set({ watch }, healthy ? 1 : 0);
      // A watch back up after an outage: what was refused while it was down (a
      // namespace that has since granted Secret rights, say) gets a full retry.
      if (healthy) changed.fire(true);
    },
  });
}

function electorOptions(
  o: OperatorOptions,
  identity: string,
  logger: Logger,
  publisherPort: number,
  leadership: Signal<boolean>,
  leaderKnown: Signal<LeaderInfo | undefined>,
): LeaseElectorOptions {
  const advertiseUrl = o.advertiseUrl ?? defaultAdvertiseUrl(publisherPort);
  return {
    namespace: o.leaseNamespace,
    name: o.leaseName ?? 'tollgate-operator',
    identity,
    logger,
    ...(advertiseUrl ? { advertiseUrl } : {}),
    ...(o.leaseDurationMs ? { leaseDurationMs: o.leaseDurationMs } : {}),
    ...(o.leaseRenewDeadlineMs ? { renewDeadlineMs: o.leaseRenewDeadlineMs } : {}),
    ...(o.leaseRetryMs ? { retryPeriodMs: o.leaseRetryMs } : {}),
    onChange: (leading) => leadership.fire(leading),
    onLeader: (leader) => leaderKnown.fire(leader),
  };
}

/** In a pod, the downward API's POD_IP (status.podIP) reaches this replica's publisher. */
function defaultAdvertiseUrl(port: number): string | undefined {
  const ip = process.env.POD_IP?.trim();
  if (!ip) return undefined;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}
