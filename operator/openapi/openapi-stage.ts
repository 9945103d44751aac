import { createHash } from 'node:crypto';
import { objectId, type ApiResource, type Resources } from '../resources/types.ts';
import { readDocumentSource, type SourceOptions } from './document-sources.ts';
import type { OpenApiLoad, OpenApiSource } from './openapi-load.ts';
import { resolveDocument } from './resolve-document.ts';

/** Resolved documents kept: a watch loop re-reads the same few on every change. */
const MAX_CACHED = 256;

/**
 * The edge stage before the compiler: reads each API's OpenAPI document (inline,
 * file, ConfigMap), and parses, validates and resolves it — asynchronous I/O the
 * pure compiler must not do. The same text resolves once: results are cached by
 * content, so a reconcile that changed nothing in a document pays nothing for it.
 */
export class OpenApiStage {
  readonly #options: SourceOptions;
  readonly #cache = new Map<string, Promise<OpenApiLoad>>();

  constructor(options: SourceOptions) {
    this.#options = options;
  }

  async documents(apis: readonly ApiResource[]): Promise<Map<string, OpenApiLoad>> {
    const loads = await Promise.all(apis.map(async (r) => [objectId(r), await this.#load(r)] as const));
    const out = new Map<string, OpenApiLoad>();
    for (const [id, load] of loads) if (load) out.set(id, load);
    return out;
  }

  /** Sets `resources.openApi` and hands the bag back, for a pipeline written as one expression. */
  async attach<T extends { resources: Resources }>(update: T): Promise<T> {
    update.resources.openApi = await this.documents(update.resources.apis);
    return update;
  }

  async #load(r: ApiResource): Promise<OpenApiLoad | undefined> {
    const read = await readDocumentSource(r, this.#options);
    if (!read) return undefined;
    if ('problem' in read) {
      const problem = { message: read.problem, file: read.file, line: r.source?.line ?? 1, column: r.source?.column ?? 1, reference: true as const };
      return { ok: false, origin: read.origin, problems: [problem], ...(read.missing ? { missing: read.missing } : {}) };
    }
    return this.#resolve(read.source, read.origin);
  }

  #resolve(source: OpenApiSource, origin: string): Promise<OpenApiLoad> {
    const key = createHash('sha256')
      .update(`${source.file}\0${source.lineOffset}\0${source.path ?? ''}\0${origin}\0${source.text}`)
      .digest('hex');
    let pending = this.#cache.get(key);
    if (!pending) {
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
      pending = resolveDocument(source, origin);
      this.#cache.set(key, pending);
    }
    return pending;
  }
}
