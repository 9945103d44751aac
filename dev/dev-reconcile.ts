import { join } from 'node:path';
import type { ApplyResult } from '../gateway/server/create-gateway.ts';
import type { SigningKeyRing } from '../gateway/tokens/signing-keys.ts';
import type { CompileResult } from '../operator/compiler/compile.ts';
import { portalView, type PortalView } from '../operator/portal-view/portal-view.ts';
import { formatDiagnostic } from '../operator/loader/diagnostic.ts';
import { compileAndDeliver, type Delivery } from '../operator/pipeline/compile-and-deliver.ts';
import type { SourceUpdate } from '../operator/sources/directory-source.ts';
import { publicKeys } from '../operator/tokens/signing-key-policy.ts';
import type { DevCredentialStore } from './dev-credential-store.ts';
import type { DevStatuses } from './dev-statuses.ts';
import type { FirstSeenTimes } from './first-seen.ts';
import { DEFAULT_REFRESH_BOUNDS, nextRefreshMs, type RefreshBounds } from './next-refresh.ts';
import { printNewCredentials } from './print-new-credentials.ts';

export interface DevReconcileOptions {
  credentials: DevCredentialStore;
  firstSeen: FirstSeenTimes;
  statuses: DevStatuses;
  delivery: Delivery<ApplyResult>;
  ring: () => SigningKeyRing;
  proxyUrl: string;
  /** The version the gateway serves, for when it refuses a new one. */
  serving: () => string | undefined;
  stateDir: string;
  print: (line: string) => void;
  clock: () => Date;
  refreshBounds?: RefreshBounds;
}

/**
 * Dev mode's reconcile: directory source -> stored statuses -> credentials in the
 * state dir -> compile -> the in-process gateway -> statuses, with what a person
 * must read printed. Synchronous, so reconciles never interleave.
 */
export class DevReconcile {
  private readonly o: DevReconcileOptions;
  private lastUpdate: SourceUpdate | undefined;
  private latest: CompileResult | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(o: DevReconcileOptions) {
    this.o = o;
  }

  last(): CompileResult | undefined {
    return this.latest;
  }

  private viewOf: { result: CompileResult; view: PortalView } | undefined;

  /** The portal view of the latest compile, computed when first asked for. */
  portalView(gatewayOrigin: string): PortalView {
    const result = this.latest;
    if (!result || !this.lastUpdate) return { products: [], apis: [], applications: [], subscriptions: [] };
    if (this.viewOf?.result !== result) this.viewOf = { result, view: portalView(this.lastUpdate.resources, result, { gatewayOrigin }) };
    return this.viewOf.view;
  }

  /** `refresh`: the same inputs again because time passed; it prints only what changed. */
  apply(update: SourceUpdate, refresh = false): void {
    const o = this.o;
    this.lastUpdate = update;
    const { resources } = update;
    o.statuses.carryOver(resources);
    o.firstSeen.stamp(resources);
    const { views, issued } = o.credentials.reconcile(resources.applications);
    resources.credentials = views;
    const tokens = { issuer: o.proxyUrl, audience: 'tollgate', keys: publicKeys(o.ring()) };
    const { result, delivered } = compileAndDeliver(resources, { now: o.clock(), tokens, secrets: 'dev' }, o.delivery);
    this.latest = result;
    this.scheduleRefresh(result);
    if (!refresh) this.printProblems(update, result);
    if (!delivered.ok) return o.print(`gateway refused the snapshot, still serving ${o.serving() ?? 'nothing'}: ${delivered.errors.join('; ')}`);
    o.statuses.settle(result.statuses, delivered.version, o.clock());
    const { snapshot } = result;
    const counts = `${snapshot.routes.length} route(s), ${snapshot.products.length} product(s), ${snapshot.applications.length} application(s), ${snapshot.subscriptions.length} active subscription(s)`;
    const after = update.changed.length ? ` (after ${update.changed.length > 5 ? `${update.changed.length} files` : update.changed.join(', ')})` : '';
    if (!refresh || delivered.changed) o.print(`${delivered.changed ? 'serving' : 'unchanged'} ${delivered.version.slice(0, 19)}: ${counts}${after}`);
    printNewCredentials(issued, { snapshot, proxyUrl: o.proxyUrl, credentialsFile: join(o.stateDir, 'credentials.json'), print: o.print });
  }

  /** The last inputs again, with `changed` naming why (a new signing key ring). */
  again(changed: string[]): void {
    if (this.lastUpdate) this.apply({ ...this.lastUpdate, changed });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
  }

  // Statuses that depend on the clock (an expired credential) are recomputed when they change, as the operator's resync does.
  private scheduleRefresh(result: CompileResult): void {
    clearTimeout(this.refreshTimer);
    if (this.closed) return;
    this.refreshTimer = setTimeout(
      () => this.lastUpdate && this.apply(this.lastUpdate, true),
      nextRefreshMs(result.snapshot, this.o.clock().getTime(), this.o.refreshBounds ?? DEFAULT_REFRESH_BOUNDS),
    );
    this.refreshTimer.unref();
  }

  private printProblems(update: SourceUpdate, result: CompileResult): void {
    for (const d of update.diagnostics.filter((x) => x.severity !== 'note' || x.code === 'KeptLastGood')) this.o.print(formatDiagnostic(d));
    for (const f of result.findings.filter((x) => x.severity !== 'info')) {
      // A problem inside an OpenAPI document is printed at the document's own line.
      const src = f.location ?? f.object.source;
      this.o.print(
        `${src ? `${src.file}:${src.line}:${src.column}: ` : ''}${f.severity} ${f.reason}: ${f.object.kind} ${f.object.metadata.namespace}/${f.object.metadata.name}: ${f.field ? `${f.field}: ` : ''}${f.message}`,
      );
    }
  }
}
