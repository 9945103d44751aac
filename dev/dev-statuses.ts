import { Reason, incompleteMessage } from '../operator/compiler/conditions.ts';
import type { ObjectStatus } from '../operator/compiler/object-status.ts';
import type { CredentialStatus } from '../operator/compiler/process-application.ts';
import type { Resources } from '../operator/resources/types.ts';
import { mergeConditions } from '../operator/status/merge-conditions.ts';
import { attachUsage, usageFingerprint, type SubscriptionUsage } from '../operator/status/subscription-usage.ts';
import { toBlockYaml } from './block-yaml.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/**
 * Dev mode's stored statuses, what a cluster keeps on each object: carried into
 * the next compile, stamped with transition times, and written to status.yaml.
 */
export class DevStatuses {
  private readonly previous = new Map<string, ObjectStatus['status']>();
  private readonly file: string;
  private readonly print: (line: string) => void;
  private lastText: string | undefined;
  private held: boolean;
  private unwritten: ObjectStatus[] | undefined;
  private readonly usage: ((now: Date) => ReadonlyMap<string, SubscriptionUsage>) | undefined;
  /** The last settled statuses, whose usage `refreshUsage` updates between compiles. */
  private current: ObjectStatus[] | undefined;
  private lastUsage = '';

  /**
   * `hold`: keep status.yaml unwritten until `release()`, so a start serves before it spends a second writing it.
   * `usage`: each active subscription's calls in its quota window, put in its status.
   */
  constructor(file: string, print: (line: string) => void, options: { hold?: boolean; usage?: (now: Date) => ReadonlyMap<string, SubscriptionUsage> } = {}) {
    this.file = file;
    this.print = print;
    this.held = options.hold ?? false;
    this.usage = options.usage;
  }

  /** Statuses carry state across compiles (approval trail, whether a subscription was active), as in a cluster. */
  carryOver(resources: Resources): void {
    for (const list of [resources.apis, resources.products, resources.applications, resources.subscriptions]) {
      for (const r of list) {
        const st = this.previous.get(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
        if (st && !r.status) (r as { status?: unknown }).status = st;
      }
    }
  }

  /** The statuses of a snapshot the in-process gateway applied: what it applied is programmed. */
  settle(statuses: ObjectStatus[], version: string, now: Date): void {
    for (const s of statuses) {
      const key = `${s.kind}/${s.namespace}/${s.name}`;
      const programmed = s.status.conditions.find((c) => c.type === 'Programmed');
      const applied = `applied by the dev gateway (${version.slice(0, 19)})`;
      if (programmed?.status === 'Unknown') Object.assign(programmed, { status: 'True', reason: Reason.Programmed, message: applied });
      else if (programmed?.reason === Reason.Incomplete) programmed.message = incompleteMessage(applied);
      s.status.conditions = mergeConditions(this.previous.get(key)?.conditions, s.status.conditions, now);
      if (s.kind === 'Application') this.printExpired(this.previous.get(key), s);
      this.previous.set(key, s.status);
    }
    this.current = statuses;
    if (this.usage) this.putUsage(statuses, now);
    if (this.held) this.unwritten = statuses;
    else this.write(statuses);
  }

  /** Writes the statuses settled while held, and from now on each settle's at once. */
  release(): void {
    this.held = false;
    const statuses = this.unwritten;
    this.unwritten = undefined;
    if (statuses) this.write(statuses);
  }

  /** Counts move between compiles: status.yaml is rewritten when a count or window changed, not for the read time alone. */
  refreshUsage(now: Date): void {
    const statuses = this.current;
    if (!statuses || !this.usage) return;
    if (!this.putUsage(statuses, now)) return;
    if (this.held) this.unwritten = statuses;
    else this.write(statuses);
  }

  /** Whether any count or window differs from the last ones put. */
  private putUsage(statuses: ObjectStatus[], now: Date): boolean {
    const usages = this.usage!(now);
    const fingerprint = usageFingerprint(usages);
    const changed = fingerprint !== this.lastUsage;
    this.lastUsage = fingerprint;
    attachUsage(statuses, usages, (id) => this.previous.get(`Subscription/${id}`)?.usage);
    return changed;
  }

  private write(statuses: ObjectStatus[]): void {
    const text = toBlockYaml(statuses);
    // Whole or not at all: `tollgate credentials list` may be reading it. Unchanged on most timed refreshes.
    if (text !== this.lastText) writeFileAtomic(this.file, text, 0o644);
    this.lastText = text;
  }

  private printExpired(before: ObjectStatus['status'] | undefined, now: ObjectStatus): void {
    const was = new Map((before as { credentials?: CredentialStatus[] } | undefined)?.credentials?.map((c) => [c.name, c.state]));
    for (const c of (now.status as { credentials?: CredentialStatus[] }).credentials ?? []) {
      if (c.state === 'Expired' && was.get(c.name) === 'Active')
        this.print(`credential ${c.name} of Application ${now.namespace}/${now.name} expired at ${c.expiresAt}`);
    }
  }
}
