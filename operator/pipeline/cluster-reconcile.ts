import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { TokenIssuer } from '../../gateway/snapshot/types.ts';
import type { CompileResult } from '../compiler/compile.ts';
import { portalView, type PortalView } from '../portal-view/portal-view.ts';
import type { Resources } from '../resources/types.ts';
import type { OpenApiStage } from '../openapi/openapi-stage.ts';
import type { KubernetesSource } from '../sources/kubernetes-source.ts';
import type { ProgrammedTracker } from '../status/programmed.ts';
import { compileAndDeliver, type Delivery } from './compile-and-deliver.ts';
import { inputsOf } from './inputs-digest.ts';
import type { ObjectEvents } from './object-events.ts';
import type { OperatorMetrics } from './operator-metrics.ts';
import { secretCredentials } from './secret-credentials-stage.ts';
import type { StatusLoop } from './status-loop.ts';

export interface ClusterReconcileOptions {
  source: Pick<KubernetesSource, 'resources' | 'secrets' | 'forbiddenSecretNamespaces'>;
  core: CoreV1Api;
  isLeader: () => boolean;
  delivery: Delivery<unknown>;
  tokens: () => TokenIssuer | undefined;
  tracker: ProgrammedTracker;
  events: ObjectEvents;
  statuses: StatusLoop;
  metrics: Pick<OperatorMetrics, 'compiles' | 'secretWrites'>;
  logger: Logger;
  clock: () => Date;
  /** Asked when a kind shrinks: a CRD gone or being deleted (CrdGuard), which freezes the reconcile. */
  crdProblem?: () => Promise<string | undefined>;
  /** Reads the APIs' OpenAPI documents (ConfigMaps, inline) before each compile. */
  documents?: OpenApiStage;
}

/**
 * The operator's reconcile: source -> credential Secrets -> compile -> delivery,
 * then (the leader) events and the status loop. Every replica compiles and
 * delivers, so gateways may poll any of them; the leader alone writes.
 */
export class ClusterReconcile {
  // What the last full reconcile saw (see inputsOf); forget() makes the next one full.
  private lastInputs: string | undefined;
  private latest: CompileResult | undefined;
  // Objects per kind at the last reconcile that went through, and the CRD problem holding the next ones back.
  private lastCounts: number[] = [];
  private frozen: string | undefined;

  private readonly o: ClusterReconcileOptions;

  constructor(o: ClusterReconcileOptions) {
    this.o = o;
  }

  last(): CompileResult | undefined {
    return this.latest;
  }

  private latestResources: Resources | undefined;
  private viewOf: { result: CompileResult; view: PortalView } | undefined;

  /** The portal view of the latest compile (what `tollgate portal` reads), computed when first asked for. */
  portalView(gatewayOrigin: string): PortalView | undefined {
    const result = this.latest;
    if (!result || !this.latestResources) return undefined;
    if (this.viewOf?.result !== result) this.viewOf = { result, view: portalView(this.latestResources, result, { gatewayOrigin }) };
    return this.viewOf.view;
  }

  /** The next run recompiles even if nothing it reads changed: a resync, a watch back up, new signing keys. */
  forget(): void {
    this.lastInputs = undefined;
  }

  async run(): Promise<void> {
    const o = this.o;
    const now = o.clock();
    const resources = o.source.resources();
    const secrets = await o.source.secrets();
    const leading = o.isLeader();
    // Every status write comes back through the watch as a change. Those echoes
    // change nothing the compiler reads, so they only get the (cheap) status
    // compare again, not a recompile of everything many times a second in a burst.
    const forbidden = await o.source.forbiddenSecretNamespaces();
    const inputs = `${inputsOf(resources, secrets, leading)} ${forbidden.join(',')}`;
    if (inputs === this.lastInputs) return o.statuses.rewrite();
    const counts = [resources.apis.length, resources.products.length, resources.applications.length, resources.subscriptions.length];
    if (await this.held(counts)) return;
    o.events.observeObjects(resources);
    resources.credentials = await secretCredentials(resources, secrets, now, o.isLeader(), {
      core: o.core,
      logger: o.logger,
      metrics: o.metrics,
      emit: (e) => o.events.emit(e),
    });
    if (o.documents) resources.openApi = await o.documents.documents(resources.apis);
    const tokens = o.tokens();
    const { result } = compileAndDeliver(resources, { now, secretsForbidden: forbidden, ...(tokens ? { tokens } : {}) }, o.delivery, () =>
      o.metrics.compiles.startTimer(),
    );
    this.latest = result;
    this.latestResources = resources;
    o.tracker.record(result.snapshot.version, result.statuses);
    if (o.isLeader()) {
      o.events.observeStatuses(result.statuses, resources);
      o.statuses.submit({ version: result.snapshot.version, statuses: result.statuses, now });
    }
    // Only once all of it went through: a reconcile that threw is redone in full.
    this.lastInputs = inputs;
    this.lastCounts = counts;
  }

  /** The CRD problem, while there is one: the last snapshot stays published and no Secret is touched. */
  problem(): string | undefined {
    return this.frozen;
  }

  private async held(counts: number[]): Promise<boolean> {
    const shrank = counts.some((n, i) => n < (this.lastCounts[i] ?? 0));
    if (!this.o.crdProblem || (!shrank && !this.frozen)) return false;
    const problem = await this.o.crdProblem();
    if (problem) {
      if (problem !== this.frozen)
        this.o.logger.error(
          { problem },
          'a Tollgate CRD is missing: keeping the last snapshot and every credential Secret until it is back (kubectl apply --server-side -f crds/)',
        );
      this.frozen = problem;
      return true;
    }
    if (this.frozen) this.o.logger.info({ was: this.frozen }, 'Tollgate CRDs are back: reconciling again');
    this.frozen = undefined;
    return false;
  }
}
