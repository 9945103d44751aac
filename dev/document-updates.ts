import { watch, type FSWatcher } from 'chokidar';
import { resolve, sep } from 'node:path';
import { OpenApiStage } from '../operator/openapi/openapi-stage.ts';
import type { SourceUpdate } from '../operator/sources/directory-source.ts';

const YAML_FILE = /\.ya?ml$/i;

/**
 * Dev mode's OpenAPI documents between the directory source and the reconcile:
 * each update gets its APIs' documents (read and resolved asynchronously, in
 * order), and a document file the directory watch does not see — a JSON one, or
 * a `$ref`'d file outside the watched paths — is watched here, so that editing it
 * is live too.
 */
export class DocumentUpdates {
  readonly #documents: OpenApiStage;
  readonly #apply: (update: SourceUpdate) => void;
  readonly #print: (line: string) => void;
  readonly #roots: string[];
  readonly #followed = new Set<string>();
  #watcher: FSWatcher | undefined;
  #latest: SourceUpdate | undefined;
  #inOrder: Promise<void> = Promise.resolve();

  constructor(o: { paths: string[]; maxFileBytes?: number; apply: (update: SourceUpdate) => void; print: (line: string) => void }) {
    this.#documents = new OpenApiStage({ files: true, ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}) });
    this.#apply = o.apply;
    this.#print = o.print;
    this.#roots = o.paths.map((p) => resolve(p));
  }

  /** The first update, applied before dev mode says it is serving. */
  async first(update: SourceUpdate): Promise<void> {
    this.#next(update);
    await this.#inOrder;
  }

  /** Every later update, applied after those before it. */
  update = (update: SourceUpdate): void => this.#next(update);

  async close(): Promise<void> {
    await this.#watcher?.close();
  }

  #next(update: SourceUpdate): void {
    this.#latest = update;
    this.#inOrder = this.#inOrder
      .then(() => this.#documents.attach(update))
      .then((u) => {
        this.#apply(u);
        this.#follow(this.#documents.files());
      })
      .catch((err: unknown) => this.#print(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Files the directory watch already covers (YAML under a watched path) are left to it. */
  #follow(files: string[]): void {
    const inside = (f: string) => this.#roots.some((r) => f === r || f.startsWith(r + sep));
    const fresh = files.filter((f) => !this.#followed.has(f) && !(YAML_FILE.test(f) && inside(f)));
    if (!fresh.length) return;
    for (const f of fresh) this.#followed.add(f);
    if (this.#watcher) {
      this.#watcher.add(fresh);
      return;
    }
    this.#watcher = watch(fresh, { ignoreInitial: true });
    const changed = (file: string) => this.#latest && this.#next({ ...this.#latest, changed: [file] });
    this.#watcher.on('change', changed).on('add', changed).on('unlink', changed);
  }
}
