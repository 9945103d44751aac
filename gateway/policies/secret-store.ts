import { readFileSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { SecretRef } from '../snapshot/types.ts';

/**
 * The Secrets policies name (backend credentials), read the way the gateway reads its
 * signing keys: from files, never from the snapshot. Layout `<dir>/<namespace>/<name>/<key>`,
 * which is what mounting each Secret at `<dir>/<namespace>/<name>` gives in a cluster
 * (the operator's Helm values list them), and what `tollgate dev` reads from `DIR/secrets/`.
 * A value is read on first use and kept; a change under the directory drops what was kept,
 * so a rotated Secret is used from the next request on, without a restart.
 */
export class SecretStore {
  readonly #dir: string | undefined;
  readonly #cache = new Map<string, Buffer | null>();
  #watcher: FSWatcher | undefined;
  /** Bumped whenever what was read is dropped, so that values derived from it can be dropped too. */
  generation = 0;

  constructor(dir: string | undefined) {
    this.#dir = dir === undefined ? undefined : path.resolve(dir);
  }

  /** Starts watching for rotations; without it values are read once. */
  async watch(): Promise<void> {
    if (this.#dir === undefined || this.#watcher) return;
    const watcher = watch(this.#dir, { ignoreInitial: true, depth: 3 });
    watcher.on('all', () => this.clear());
    watcher.on('error', () => this.clear());
    this.#watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  /** The key's bytes, or undefined when the Secret or key is not there (the caller refuses the request). */
  get(ref: SecretRef, key: string): Buffer | undefined {
    if (this.#dir === undefined) return undefined;
    const id = `${ref.namespace}/${ref.name}/${key}`;
    let value = this.#cache.get(id);
    if (value === undefined) {
      value = readSafely(this.#dir, ref, key);
      this.#cache.set(id, value);
    }
    return value ?? undefined;
  }

  text(ref: SecretRef, key: string): string | undefined {
    const value = this.get(ref, key);
    return value === undefined ? undefined : value.toString('utf8').replace(/\r?\n$/, '');
  }

  clear(): void {
    this.#cache.clear();
    this.generation++;
  }

  async close(): Promise<void> {
    await this.#watcher?.close();
    this.#watcher = undefined;
  }
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KEY = /^[-._a-zA-Z0-9]+$/;

function readSafely(dir: string, ref: SecretRef, key: string): Buffer | null {
  // Names are DNS labels and keys Secret keys: nothing here can climb out of the directory.
  if (!SEGMENT.test(ref.namespace) || !SEGMENT.test(ref.name) || !KEY.test(key) || key === '.' || key === '..') return null;
  try {
    return readFileSync(path.join(dir, ref.namespace, ref.name, key));
  } catch {
    return null;
  }
}
