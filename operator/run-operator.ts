import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { startAdminServer } from '../gateway/admin/admin-server.ts';
import { compile, type CompileResult } from './compiler/compile.ts';
import type { ObjectStatus } from './compiler/object-status.ts';
import { applySecretPlan, credentialViews, planSecrets, type SecretPlan, type SecretPlanResult } from './credentials/secret-credentials.ts';
import { LeaseElector } from './leader/lease-elector.ts';
import { createReportForwarder } from './publish/report-forwarder.ts';
import { createSnapshotPublisher, type GatewayReport, type SnapshotPublisher } from './publish/snapshot-publisher.ts';
import { objectKey, objectRef } from './resources/object-key.ts';
import type { AnyResource, Resources } from './resources/types.ts';
import { KubernetesSource } from './sources/kubernetes-source.ts';
import { credentialEvents } from './status/credential-events.ts';
import { EventRecorder } from './status/event-recorder.ts';
import { ProgrammedTracker } from './status/programmed.ts';
import { StatusEventTracker, type ObjectEvent } from './status/status-events.ts';
import { StatusWriter } from './status/status-writer.ts';
import { SecretSigningKeys } from './tokens/secret-signing-keys.ts';
import { DEFAULT_POLICY, publicKeys, type RotationPolicy } from './tokens/signing-key-policy.ts';

export interface OperatorOptions {
  kubeconfig?: string;
  /** Where gateways long-poll for snapshots. */
  publisherPort: number;
  /** /metrics, /healthz, /readyz. */
  adminPort: number;
  host?: string;
  /** Bearer token gateways present to the publisher. */
  token?: string;
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
  /**
   * The token service: issuer and audience of its access tokens. Its signing keys
   * live in a Secret in the lease namespace that the leader creates and rotates;
   * gateways mount it (`--signing-keys`). Absent: no token service.
   */
  tokens?: { issuer: string; audience?: string; policy?: Partial<RotationPolicy>; secretName?: string; checkEveryMs?: number };
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
 */
export async function runOperator(o: OperatorOptions): Promise<Operator> {
  const logger = o.logger ?? pino({ name: 'tollgate-operator' });
  const clock = o.clock ?? (() => new Date());
  const kc = new KubeConfig();
  if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
  else kc.loadFromDefault();
  const core = kc.makeApiClient(CoreV1Api);

  const registry = new Registry();
  const watchUp = new Gauge({ name: 'tollgate_operator_watch_up', help: 'Whether each watch is up (1) or restarting (0)', labelNames: ['watch'], registers: [registry] });
  const compiles = new Histogram({ name: 'tollgate_operator_compile_seconds', help: 'Time to compile the resources', registers: [registry], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2] });
  // Read at scrape time: a replica paused past its renew deadline stops leading
  // before its next renewal says so (LeaseElector.isLeader).
  new Gauge({
    name: 'tollgate_operator_leader',
    help: '1 while this replica leads',
    registers: [registry],
    collect() {
      this.set(elector.isLeader() ? 1 : 0);
    },
  });
  const statusWrites = new Counter({ name: 'tollgate_operator_status_writes_total', help: 'Status writes by result', labelNames: ['result'], registers: [registry] });
  const secretWrites = new Counter({ name: 'tollgate_operator_secret_writes_total', help: 'Credential Secrets created or deleted', labelNames: ['action'], registers: [registry] });
  const eventCount = new Counter({ name: 'tollgate_operator_events_total', help: 'Kubernetes Events by type and result', labelNames: ['type', 'result'], registers: [registry] });
  const forwards = new Counter({ name: 'tollgate_operator_report_forwards_total', help: 'Gateway reports a follower passed on to the leader, by result (sent, failed, no_leader)', labelNames: ['result'], registers: [registry] });
  const identity = o.identity ?? `${hostname()}-${process.pid}`;

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let last: CompileResult | undefined;
  let closed = false;
  const holdOff = o.holdOffMs ?? 100;
  const reportListeners = new Set<() => void>();
  const staleMs = o.replicaStaleMs ?? 90_000;

  // The first change opens a hold-off window and every change within it rides
  // along. Restarting the timer on each change instead would never fire while a
  // burst (a `kubectl apply` of a thousand objects) keeps changes coming.
  const schedule = (): void => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void kick();
    }, holdOff);
  };
  const kick = async (): Promise<void> => {
    if (running) {
      dirty = true;
      return;
    }
    running = reconcile()
      .catch((e: unknown) => logger.error({ err: String((e as Error).stack ?? e) }, 'reconcile failed'))
      .finally(() => {
        running = undefined;
        if (dirty) {
          dirty = false;
          schedule();
        }
      });
  };

  const source = new KubernetesSource(kc, {
    logger,
    onChange: schedule,
    onHealth: (watch, healthy) => {
      watchUp.set({ watch }, healthy ? 1 : 0);
      // A watch back up after an outage: what was refused while it was down (a
      // namespace that has since granted Secret rights, say) gets a full retry.
      if (healthy) {
        lastInputs = undefined;
        schedule();
      }
    },
  });
  // Set once the elector exists; the publisher needs it only once gateways poll.
  let forwardReport: ((report: GatewayReport) => void) | undefined;
  const publisher = await createSnapshotPublisher({
    port: o.publisherPort,
    host: o.host ?? '0.0.0.0',
    ...(o.token ? { token: o.token } : {}),
    onReport: () => {
      for (const notify of reportListeners) notify();
      schedule();
    },
    // Straight from a gateway, never forwarded ones: those stop here.
    onReceived: (report) => forwardReport?.(report),
  });
  const advertiseUrl = o.advertiseUrl ?? defaultAdvertiseUrl(publisher.port);
  const elector = new LeaseElector(kc, {
    namespace: o.leaseNamespace,
    name: o.leaseName ?? 'tollgate-operator',
    identity,
    logger,
    ...(advertiseUrl ? { advertiseUrl } : {}),
    ...(o.leaseDurationMs ? { leaseDurationMs: o.leaseDurationMs } : {}),
    ...(o.leaseRenewDeadlineMs ? { renewDeadlineMs: o.leaseRenewDeadlineMs } : {}),
    ...(o.leaseRetryMs ? { retryPeriodMs: o.leaseRetryMs } : {}),
    onChange: (leading) => {
      // Back in the lead, the stored statuses say what users were already told.
      statusEvents.reset();
      // A new leader makes the signing keys if there are none, or rotates them if due.
      if (leading) void checkSigningKeys();
      schedule();
    },
    // A leader newly known (this replica just started, or the lead moved): it hears
    // at once of every gateway polling here, not only at each one's next poll (up
    // to `wait` seconds later). Reports that were forwarded here are left to the
    // replica that received them, which does the same.
    onLeader: (l) => {
      if (l?.publisherUrl) for (const r of publisher.reports()) if (!r.via) forwardReport?.(r);
    },
  });
  const forwarder = createReportForwarder({
    identity,
    leaderUrl: () => (elector.isLeader() ? undefined : elector.leader()?.publisherUrl),
    ...(o.token ? { token: o.token } : {}),
    logger,
    onResult: (result, n) => forwards.inc({ result }, n),
  });
  forwardReport = (report) => {
    if (!elector.isLeader()) forwarder.offer(report);
  };
  const tracker = new ProgrammedTracker();
  const writer = new StatusWriter(kc);
  const statusEvents = new StatusEventTracker();
  // Events carry the object's uid, which `kubectl describe` selects on.
  let uids = new Map<string, string>();
  const recorder =
    o.events === false
      ? undefined
      : new EventRecorder(kc, {
          instance: identity,
          logger,
          isLeader: () => elector.isLeader(),
          uidOf: (e) => uids.get(objectKey(e)),
          onResult: (e, result) => eventCount.inc({ type: e.type, result }),
        });
  const emit = (e: ObjectEvent) => recorder?.record(e);

  /**
   * Gives live gateways a moment to apply a new snapshot before statuses are
   * written, so that an object goes to Programmed=True in one status write rather
   * than Pending first and True a moment later: half the writes in a burst.
   */
  function gatewaysApplied(version: string, maxMs: number): Promise<void> {
    const pending = () => {
      const t = clock().getTime();
      return publisher.reports().some((r) => r.applied && t - Date.parse(r.at) <= staleMs && r.applied !== version && r.rejected !== version);
    };
    if (maxMs <= 0 || !pending()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        reportListeners.delete(check);
        resolve();
      };
      const check = () => {
        if (!pending()) done();
      };
      const timeout = setTimeout(done, maxMs);
      reportListeners.add(check);
    });
  }

  const signingKeys = o.tokens
    ? new SecretSigningKeys(core, { namespace: o.leaseNamespace, ...(o.tokens.secretName ? { name: o.tokens.secretName } : {}), policy: { ...DEFAULT_POLICY, ...o.tokens.policy } })
    : undefined;
  // Every replica reads the ring (to publish its public keys); the leader also rotates it.
  const checkSigningKeys = async (): Promise<void> => {
    if (!signingKeys || closed) return;
    try {
      if (await signingKeys.reconcile(clock(), elector.isLeader())) {
        logger.info({ secret: signingKeys.name, kids: signingKeys.current()?.keys.map((k) => k.kid) }, 'signing keys changed');
        lastInputs = undefined;
        schedule();
      }
    } catch (e) {
      logger.warn({ err: String((e as Error).message ?? e), secret: signingKeys.name }, 'signing keys could not be read or rotated; the current ones stay');
    }
  };
  const signingKeysTimer = setInterval(() => void checkSigningKeys(), o.tokens?.checkEveryMs ?? 30_000);
  signingKeysTimer.unref();

  // What the last full reconcile saw (see inputsOf); a periodic resync forgets it.
  let lastInputs: string | undefined;
  let lastJob: StatusJob | undefined;
  const resync = setInterval(() => {
    lastInputs = undefined;
    schedule();
  }, o.resyncMs ?? 60_000);
  resync.unref();

  async function reconcile(): Promise<void> {
    const now = clock();
    const resources = source.resources();
    const secrets = await source.secrets();
    // Every status write comes back through the watch as a change. Those echoes
    // change nothing the compiler reads, so they only get the (cheap) status
    // compare again, not a recompile of everything many times a second in a burst.
    const inputs = inputsOf(resources, secrets, elector.isLeader());
    if (inputs === lastInputs) {
      if (lastJob && elector.isLeader()) writeStatuses(lastJob);
      return;
    }
    if (recorder) uids = uidsOf(resources);
    if (elector.isLeader()) {
      const plan = planSecrets(resources.applications, secrets);
      if (plan.create.length || plan.remove.length) {
        const done = await applySecretPlanConcurrently(core, plan, now, 8);
        secretWrites.inc({ action: 'create' }, done.created.length);
        secretWrites.inc({ action: 'delete' }, done.removed.length);
        // Never the key: only which Secret.
        if (done.created.length) logger.info({ secrets: done.created }, 'created credential Secrets');
        if (done.failed.length) logger.warn({ failed: done.failed.slice(0, 10) }, 'credential Secret writes failed');
        for (const e of credentialEvents(plan, done)) emit(e);
      }
    }
    resources.credentials = credentialViews(resources.applications, secrets);
    const end = compiles.startTimer();
    const ring = signingKeys?.current();
    const tokens = o.tokens && ring ? { issuer: o.tokens.issuer, audience: o.tokens.audience ?? 'tollgate', keys: publicKeys(ring) } : undefined;
    const result = compile(resources, { now, ...(tokens ? { tokens } : {}) });
    end();
    last = result;
    tracker.record(result.snapshot.version, result.statuses);
    if (publisher.currentVersion() !== result.snapshot.version) {
      publisher.publish(result.snapshot);
      logger.info({ version: result.snapshot.version, routes: result.snapshot.routes.length, subscriptions: result.snapshot.subscriptions.length }, 'published snapshot');
    }
    if (!elector.isLeader()) {
      lastInputs = inputs;
      return;
    }
    if (recorder) {
      const stored = byKey(resources);
      const storedOf = (s: ObjectStatus) => stored.get(objectKey(s))?.status as Record<string, unknown> | undefined;
      const approverOf = (s: ObjectStatus) => (stored.get(objectKey(s))?.spec as { approval?: { by?: string } } | undefined)?.approval?.by;
      for (const e of statusEvents.observe(result.statuses, storedOf, approverOf)) emit(e);
    }
    lastJob = { version: result.snapshot.version, statuses: result.statuses, now };
    writeStatuses(lastJob);
    // Only once all of it went through: a reconcile that threw is redone in full.
    lastInputs = inputs;
  }

  // Status writes run beside the reconciles rather than inside them: a burst's
  // thousands of writes must not hold up the next recompile, which creates the
  // next Secrets and publishes the next snapshot. Only the newest set waits.
  let statusJob: Promise<void> | undefined;
  let statusNext: StatusJob | undefined;
  function writeStatuses(job: StatusJob): void {
    statusNext = job;
    statusJob ??= drainStatuses();
  }
  async function drainStatuses(): Promise<void> {
    try {
      while (statusNext && !closed) {
        const { version, statuses, now } = statusNext;
        statusNext = undefined;
        if (!elector.isLeader()) continue;
        try {
          await gatewaysApplied(version, o.programmedWaitMs ?? 1_000);
          // Again: the lead may have been lost during the wait (or a pause of this process).
          if (!elector.isLeader()) continue;
          tracker.apply(statuses, publisher.reports(), clock(), staleMs);
          // What is stored now: later reconciles may have run since this set was computed.
          const stored = byKey(source.resources());
          const report = await writer.write(statuses, (s) => stored.get(objectKey(s))?.status as Record<string, unknown> | undefined, now);
          statusWrites.inc({ result: 'written' }, report.written);
          statusWrites.inc({ result: 'failed' }, report.failed.length);
          if (report.failed.length) logger.warn({ failed: report.failed.slice(0, 10) }, 'status writes failed');
        } catch (e) {
          logger.error({ err: String((e as Error).stack ?? e) }, 'status writes failed');
        }
      }
    } finally {
      // In the same turn as the loop's last check: a set queued after it starts a new drain.
      statusJob = undefined;
    }
  }

  const admin = await startAdminServer({
    port: o.adminPort,
    host: o.host ?? '0.0.0.0',
    registry,
    health: () => ({ ok: true, body: 'ok' }),
    ready: () => (source.healthy() && last !== undefined ? { ok: true, body: 'ready' } : { ok: false, body: 'watches not synced' }),
  });

  await source.start();
  await checkSigningKeys();
  elector.start();
  schedule();

  return {
    publisher,
    elector,
    adminPort: admin.port,
    isLeader: () => elector.isLeader(),
    last: () => last,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      clearInterval(resync);
      clearInterval(signingKeysTimer);
      await running;
      await statusJob;
      await recorder?.flush();
      await forwarder.close();
      await elector.stop();
      await source.stop();
      await publisher.close();
      await admin.close();
    },
  };
}

/** In a pod, the downward API's POD_IP (status.podIP) reaches this replica's publisher. */
function defaultAdvertiseUrl(port: number): string | undefined {
  const ip = process.env.POD_IP?.trim();
  if (!ip) return undefined;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

interface StatusJob {
  version: string;
  statuses: ObjectStatus[];
  now: Date;
}

/**
 * A digest of everything a reconcile reads apart from statuses: each object's
 * identity and generation (spec changes bump it, status writes do not), the two
 * status fields the compiler does read (a subscription's phase and approvals),
 * each credential Secret's version, and whether this replica leads.
 */
function inputsOf(r: Resources, secrets: V1Secret[], leading: boolean): string {
  const lines: string[] = [];
  for (const [k, o] of byKey(r)) {
    const extra = o.kind === 'Subscription' ? JSON.stringify([(o.status as { phase?: unknown } | undefined)?.phase, (o.status as { approvals?: unknown } | undefined)?.approvals]) : '';
    lines.push(`${k}\t${o.metadata.uid}\t${o.metadata.generation}\t${extra}`);
  }
  for (const s of secrets) lines.push(`${objectKey({ kind: 'Secret', namespace: s.metadata!.namespace!, name: s.metadata!.name! })}\t${s.metadata?.resourceVersion}`);
  lines.sort();
  return createHash('sha256').update(`${leading}\n${lines.join('\n')}`).digest('hex');
}

function byKey(r: Resources): Map<string, AnyResource> {
  const m = new Map<string, AnyResource>();
  for (const list of [r.apis, r.products, r.applications, r.subscriptions] as AnyResource[][]) {
    for (const o of list) m.set(objectRef(o), o);
  }
  return m;
}

function uidsOf(r: Resources): Map<string, string> {
  const uids = new Map<string, string>();
  for (const [k, o] of byKey(r)) if (o.metadata.uid) uids.set(k, o.metadata.uid);
  return uids;
}

/**
 * A burst of new Applications means hundreds of Secrets to create; one at a time
 * that is a round trip each (about 50 a second on a busy 2-core machine). A few
 * at once, each slice still in plan order.
 */
async function applySecretPlanConcurrently(core: CoreV1Api, plan: SecretPlan, now: Date, concurrency: number): Promise<SecretPlanResult> {
  const slices: SecretPlan[] = Array.from({ length: Math.max(1, Math.min(concurrency, plan.create.length)) }, (_, i) => ({
    create: plan.create.filter((_, j) => j % concurrency === i),
    remove: i === 0 ? plan.remove : [],
  }));
  const results = await Promise.all(slices.map((slice) => applySecretPlan(core, slice, now)));
  return { created: results.flatMap((r) => r.created), removed: results.flatMap((r) => r.removed), failed: results.flatMap((r) => r.failed) };
}
