import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../operator/resources/types.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/**
 * Dev mode's creation times: when it first saw each object (kind/namespace/name),
 * kept in `<state-dir>/first-seen.json`, so the compiler's "oldest wins, then
 * namespace/name" picks the same winner as in a cluster and across restarts.
 * Objects present at the first start share that time (ties go by namespace/name).
 * A removed object's time is kept: in a working directory a removal is often a
 * move between files, an editor's save or a branch switch, and forgetting would
 * hand its routes to a newer object; delete its entry to make it count as new.
 */
export class FirstSeenTimes {
  readonly file: string;
  private readonly now: () => Date;
  private readonly warn: (message: string) => void;
  private readonly times = new Map<string, string>();

  constructor(stateDir: string, options: { now?: () => Date; warn?: (message: string) => void } = {}) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = join(stateDir, 'first-seen.json');
    this.now = options.now ?? (() => new Date());
    this.warn = options.warn ?? (() => {});
    const problem = this.load();
    if (problem) this.warn(`${this.file}: ${problem}; objects count as first seen now`);
  }

  /** Sets every object's creationTimestamp to its first-seen time (what it wrote is ignored, as by the API server), recording new ones. */
  stamp(resources: Resources): void {
    let now: string | undefined;
    for (const list of [resources.apis, resources.products, resources.applications, resources.subscriptions]) {
      for (const r of list) {
        const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
        let at = this.times.get(key);
        if (!at) {
          // One time per update: objects that appear together are equally old.
          at = now ??= this.now().toISOString();
          this.times.set(key, at);
        }
        r.metadata.creationTimestamp = at;
      }
    }
    if (!now) return;
    try {
      writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.times), null, 1) + '\n', 0o644);
    } catch (e) {
      // Serving goes on with the times in memory; only a restart would forget the new ones.
      this.warn(`${this.file}: not saved (${(e as Error).message}); new objects' first-seen times last until a restart`);
    }
  }

  private load(): string | undefined {
    if (!existsSync(this.file)) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      return `not readable JSON (${(e as Error).message})`;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'not a JSON object';
    let skipped = 0;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) this.times.set(key, new Date(value).toISOString());
      else skipped++;
    }
    return skipped ? `${skipped} entr${skipped === 1 ? 'y is' : 'ies are'} not a time and were skipped` : undefined;
  }
}
