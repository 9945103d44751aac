import { watch, type FSWatcher } from 'chokidar';
import { existsSync } from 'node:fs';
import type { Diagnostic } from '../loader/diagnostic.ts';
import { collect, loadDocument, type LoadOptions } from '../loader/load.ts';
import { listYamlFiles, readYamlFile } from '../loader/read-documents.ts';
import type { AnyResource, Resources } from '../resources/types.ts';

export interface SourceUpdate {
  resources: Resources;
  diagnostics: Diagnostic[];
  /** Files read for this update (all of them the first time). */
  changed: string[];
}

interface FileState {
  objects: AnyResource[];
  diagnostics: Diagnostic[];
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * Resources from a directory of YAML, kept live with chokidar. A bad edit is
 * refused the way the API server refuses a bad update: the object keeps its
 * last good version (a file that no longer parses keeps all of its objects),
 * the problem is reported with file and line, and everything else goes on.
 */
export class DirectorySource {
  private readonly paths: string[];
  private readonly options: LoadOptions;
  private readonly holdOffMs: number;
  private readonly files = new Map<string, FileState>();
  private readonly lastGood = new Map<string, AnyResource>();
  private watcher?: FSWatcher;
  private pending = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(paths: string[], options: LoadOptions & { holdOffMs?: number } = {}) {
    this.paths = paths;
    this.options = options;
    this.holdOffMs = options.holdOffMs ?? 25;
  }

  /** Reads everything once and returns the first update. */
  load(): SourceUpdate {
    const all = listYamlFiles(this.paths);
    for (const file of all) this.readFile(file);
    return this.update(all);
  }

  /** Watches for changes; `onUpdate` runs after each burst of changes settles for `holdOffMs`. */
  async watch(onUpdate: (update: SourceUpdate) => void): Promise<void> {
    this.watcher = watch(this.paths, {
      ignoreInitial: true,
      ignored: (path, stats) => /(^|\/)\.[^/]/.test(path) || /\/node_modules(\/|$)/.test(path) || (!!stats?.isFile() && !YAML_FILE.test(path)),
    });
    const touched = (file: string) => {
      if (!YAML_FILE.test(file)) return;
      this.pending.add(file);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        const changed = [...this.pending].sort();
        this.pending.clear();
        for (const f of changed) this.readFile(f);
        onUpdate(this.update(changed));
      }, this.holdOffMs);
    };
    this.watcher.on('add', touched).on('change', touched).on('unlink', touched);
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
  }

  private readFile(file: string): void {
    if (!existsSync(file)) {
      this.files.delete(file);
      return;
    }
    const parsed = readYamlFile(file, this.options);
    const previous = this.files.get(file);
    if (parsed.diagnostics.some((d) => d.severity === 'error')) {
      const kept = previous?.objects ?? [];
      const note: Diagnostic[] = kept.length
        ? [
            {
              severity: 'note',
              code: 'KeptLastGood',
              message: `the file does not parse: its ${kept.length} object(s) keep their last good version`,
              ...(parsed.diagnostics[0]!.file !== undefined ? { file: parsed.diagnostics[0]!.file } : {}),
            },
          ]
        : [];
      this.files.set(file, { objects: kept, diagnostics: [...parsed.diagnostics, ...note] });
      return;
    }
    const objects: AnyResource[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const doc of parsed.documents) {
      const r = loadDocument(doc, this.options);
      for (const d of r.diagnostics) diagnostics.push(d);
      if (r.object && r.key) {
        this.lastGood.set(r.key, r.object);
        objects.push(r.object);
      } else if (r.key && this.lastGood.has(r.key)) {
        objects.push(this.lastGood.get(r.key)!);
        diagnostics.push({ severity: 'note', code: 'KeptLastGood', message: `${r.key} keeps its last good version`, file: doc.file, ...doc.locate([]) });
      }
    }
    this.files.set(file, { objects, diagnostics });
  }

  private update(changed: string[]): SourceUpdate {
    const files = [...this.files.keys()].sort();
    const { resources, diagnostics } = collect(files.flatMap((f) => this.files.get(f)!.objects));
    return { resources, diagnostics: [...files.flatMap((f) => this.files.get(f)!.diagnostics), ...diagnostics], changed };
  }
}
