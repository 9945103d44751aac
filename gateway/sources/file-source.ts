import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { watch } from 'chokidar';
import type { Logger } from 'pino';
import type { Gateway } from '../server/create-gateway.ts';

export interface SnapshotSource {
  close(): Promise<void>;
}

/**
 * Serves the snapshot in a JSON file and every later version of it. Writers should
 * replace the file atomically (write elsewhere, rename); a half-written file is
 * refused like any invalid snapshot, and the next change is read again.
 */
export function startFileSource(gateway: Pick<Gateway, 'applySnapshot' | 'metrics'>, file: string, logger: Logger): Promise<SnapshotSource> {
  return watchJsonFile(file, 'snapshot', logger, {
    apply: (value, absolute) => void gateway.applySnapshot(value, absolute),
    notJson: () => gateway.metrics.snapshotOffered('refused'),
  });
}

/**
 * The token service's signing keys from a file (in a cluster: the operator's
 * Secret, mounted; the kubelet swaps it atomically on rotation).
 */
export function startSigningKeysFile(gateway: Pick<Gateway, 'setSigningKeys' | 'metrics'>, file: string, logger: Logger): Promise<SnapshotSource> {
  return watchJsonFile(file, 'signing keys', logger, {
    apply: (value, absolute) => void gateway.setSigningKeys(value, absolute),
    notJson: () => gateway.metrics.signingKeysOffered('refused'),
  });
}

async function watchJsonFile(
  file: string,
  what: string,
  logger: Logger,
  on: { apply: (value: unknown, absolute: string) => void; notJson: () => void },
): Promise<SnapshotSource> {
  const absolute = path.resolve(file);
  let timer: NodeJS.Timeout | undefined;
  let reading = Promise.resolve();

  const load = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (err) {
      logger.error({ err, file: absolute }, `cannot read the ${what} file; the current ${what} stay in use`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      on.notJson();
      logger.error({ err, file: absolute }, `the ${what} file is not JSON; the current ${what} stay in use`);
      return;
    }
    on.apply(value, absolute);
  };
  // Editors and `cp` produce several events per save: read once they settle.
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reading = reading.then(load);
    }, 50);
  };

  await load();
  // The directory, not the file: a mounted Secret or ConfigMap changes by swapping
  // the `..data` symlink beside it, which no event on the file itself reports.
  // Everything else in the directory (a log file written beside the snapshot, say) is
  // not looked at: each of its writes would cost a stat and a reload.
  const dir = path.dirname(absolute);
  const watcher = watch(dir, { ignoreInitial: true, atomic: true, depth: 0, ignored: (p) => !concerns(dir, path.basename(absolute), p) });
  watcher.on('all', schedule);
  watcher.on('error', (err) => logger.error({ err, file: absolute }, `watching the ${what} file failed`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await reading;
    },
  };
}

/** The watched directory itself, the file, and the symlinks a Kubernetes volume swaps (`..data` and its temporary). */
function concerns(dir: string, name: string, changed: string): boolean {
  if (changed === dir) return true;
  const base = path.basename(changed);
  return base === name || base.startsWith('..data');
}
