import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { displayPath, listYamlFiles, parseYamlDocuments, type YamlDocument } from '../loader/read-documents.ts';
import type { Diagnostic } from '../loader/diagnostic.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export type Parsed = { documents: YamlDocument[]; diagnostics: Diagnostic[] };
interface CachedDocument {
  index: number;
  line: number;
  column: number;
  value: unknown;
}

/**
 * What YAML files parsed to, by the SHA-256 of their content, in
 * `<state-dir>/parse-cache`: parsing is most of a large estate's start (an
 * 18 MB estate takes the YAML parser seconds), and between two starts most
 * files are unchanged. Only files that parsed without a diagnostic are kept;
 * a field's line (for an error message) comes from a real parse, on demand.
 * The cache is used for the first load only and rewritten with the files that
 * load read; a different parser (package version or reader source) starts it afresh.
 */
export class YamlParseCache {
  readonly file: string;
  private readonly fingerprint = parserFingerprint();
  private entries = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private done = false;
  readonly stats = { hits: 0, misses: 0, prefetched: 0 };

  constructor(stateDir: string) {
    this.file = join(stateDir, 'parse-cache');
    if (!existsSync(this.file)) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    if (lines[0] !== this.fingerprint) return;
    for (const line of lines.slice(1)) {
      const tab = line.indexOf('\t');
      if (tab === 64) this.entries.set(line.slice(0, 64), line.slice(65));
    }
  }

  /** A drop-in for readYamlFile. */
  readonly read = (file: string): Parsed => {
    const text = readFileSync(file, 'utf8');
    const shown = displayPath(file);
    if (this.done) return parseYamlDocuments(shown, text);
    const hash = createHash('sha256').update(text).digest('hex');
    const json = this.entries.get(hash) ?? this.used.get(hash);
    if (json !== undefined) {
      const cached = parseEntry(json);
      if (cached) {
        this.stats.hits++;
        this.used.set(hash, json);
        return { documents: cached.map((d) => fromCache(shown, text, d)), diagnostics: [] };
      }
    }
    this.stats.misses++;
    const parsed = parseYamlDocuments(shown, text);
    const entry = cacheEntry(parsed);
    if (entry !== undefined) this.used.set(hash, entry);
    return parsed;
  };

  /**
   * Parses the files the cache lacks on worker threads, one per core, so a
   * first start is not bound to one core; what a worker cannot parse (or a
   * worker that fails) is left to `read`, on this thread, as before.
   */
  async prefetch(paths: string[], options: { workers?: number; minBytes?: number } = {}): Promise<void> {
    const missing: Array<{ file: string; size: number }> = [];
    for (const file of listYamlFiles(paths)) {
      const text = readFileSync(file, 'utf8');
      if (!this.entries.has(createHash('sha256').update(text).digest('hex'))) missing.push({ file, size: text.length });
    }
    const bytes = missing.reduce((sum, m) => sum + m.size, 0);
    // Starting a worker costs tens of ms: not worth it for a few edited files.
    if (bytes < (options.minBytes ?? 1 << 20)) return;
    const chunks: Array<{ files: string[]; size: number }> = Array.from({ length: Math.max(1, Math.min(options.workers ?? availableParallelism(), 8, missing.length)) }, () => ({ files: [], size: 0 }));
    for (const m of missing.sort((a, b) => b.size - a.size)) {
      const least = chunks.reduce((a, b) => (b.size < a.size ? b : a));
      least.files.push(m.file);
      least.size += m.size;
    }
    const results = await Promise.all(chunks.map((c) => parseOnWorker(c.files)));
    for (const [hash, json] of results.flat()) {
      this.entries.set(hash, json);
      this.stats.prefetched++;
    }
  }

  /** Writes what this start read, if that differs from what was there, and stops caching. */
  save(): void {
    this.done = true;
    const changed = this.stats.misses > 0 || this.stats.prefetched > 0 || this.used.size !== this.entries.size;
    this.entries = new Map();
    if (changed) writeFileAtomic(this.file, [this.fingerprint, ...[...this.used].map(([hash, json]) => `${hash}\t${json}`)].join('\n') + '\n');
    this.used.clear();
  }
}

/** What the cache keeps of a file's parse, or undefined when it keeps nothing: files with diagnostics or values JSON cannot carry. */
export function cacheEntry(parsed: Parsed): string | undefined {
  if (parsed.diagnostics.length) return undefined;
  // Taken before anything reads the values: validation fills in defaults in place.
  return faithfulJson(parsed.documents.map((d) => ({ index: d.index, ...d.locate([]), value: d.value })));
}

/** [hash, entry] for each of `files` that the cache can keep; nothing when the worker fails. */
function parseOnWorker(files: string[]): Promise<Array<[string, string]>> {
  if (!files.length) return Promise.resolve([]);
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { workerData: files });
    let result: Array<[string, string]> = [];
    worker.once('message', (m: Array<[string, string]>) => (result = m));
    worker.once('error', () => (result = []));
    worker.once('exit', () => resolve(result));
  });
}

/** JSON that reads back as the same value, or undefined where it would not (`.inf`, `-0`, anything but plain objects and arrays). */
function faithfulJson(value: unknown): string | undefined {
  let faithful = true;
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (typeof raw === 'number' ? !Number.isFinite(raw) || Object.is(raw, -0) : raw !== null && typeof raw !== 'string' && typeof raw !== 'boolean' && !isPlain(raw)) faithful = false;
    return v;
  });
  return faithful ? json : undefined;
}

function isPlain(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return Array.isArray(v) || proto === Object.prototype || proto === null;
}

function parseEntry(json: string): CachedDocument[] | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as CachedDocument[]) : undefined;
  } catch {
    return undefined;
  }
}

function fromCache(file: string, text: string, d: CachedDocument): YamlDocument {
  let parsed: Parsed | undefined;
  return {
    file,
    index: d.index,
    value: d.value,
    locate: (path) => {
      if (!path.length) return { line: d.line, column: d.column };
      parsed ??= parseYamlDocuments(file, text);
      return parsed.documents.find((x) => x.index === d.index)?.locate(path) ?? { line: d.line, column: d.column };
    },
  };
}

/** Changes whenever what a file parses to could: the cache format, the YAML package, the reader's code. */
function parserFingerprint(): string {
  const require = createRequire(import.meta.url);
  const yamlVersion = (require('yaml/package.json') as { version: string }).version;
  const reader = readFileSync(new URL('../loader/read-documents.ts', import.meta.url), 'utf8');
  return `tollgate-parse-cache/1 ${createHash('sha256').update(`${yamlVersion}\0${reader}`).digest('hex')}`;
}
