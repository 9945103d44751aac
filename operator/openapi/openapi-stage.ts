import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { objectId, type ApiResource, type Resources } from '../resources/types.ts';
import { readDocumentSource, type SourceOptions } from './document-sources.ts';
import type { OpenApiLoad, OpenApiSource } from './openapi-load.ts';
import { resolveDocument } from './resolve-document.ts';

/** The files a document's `$ref`s name (`./schemas.yaml#/Pet`), relative to it; not URLs, not fragments alone. */
export function referencedFiles(path: string, text: string): string[] {
  const files = new Set<string>();
  for (const m of text.matchAll(/["']?\$ref["']?\s*:\s*["']?([^"'#\s,}]+)/g)) {
    const target = m[1]!;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) files.add(resolve(dirname(path), target));
  }
  return [...files];
}

function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

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
  #files = new Set<string>();

  constructor(options: SourceOptions) {
    this.#options = options;
  }

  async documents(apis: readonly ApiResource[]): Promise<Map<string, OpenApiLoad>> {
    this.#files = new Set();
    const loads = await Promise.all(apis.map(async (r) => [objectId(r), await this.#load(r)] as const));
    const out = new Map<string, OpenApiLoad>();
    for (const [id, load] of loads) if (load) out.set(id, load);
    return out;
  }

  /** The files the last `documents()` read: each document file and the files its own `$ref`s name (for a watcher). */
  files(): string[] {
    return [...this.#files].sort();
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
    const hash = createHash('sha256').update(`${source.file}\0${source.lineOffset}\0${source.path ?? ''}\0${origin}\0${source.text}`);
    // A file's document changes when a file its $refs name does: their sizes and times are part of the key.
    if (source.path) {
      this.#files.add(source.path);
      for (const file of referencedFiles(source.path, source.text)) {
        this.#files.add(file);
        hash.update(`\0${file}\0${fileStamp(file)}`);
      }
    }
    const key = hash.digest('hex');
    let pending = this.#cache.get(key);
    if (!pending) {
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
      pending = resolveDocument(source, origin);
      this.#cache.set(key, pending);
    }
    return pending;
  }
}
