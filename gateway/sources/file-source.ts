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
export async function startFileSource(gateway: Pick<Gateway, 'applySnapshot' | 'metrics'>, file: string, logger: Logger): Promise<SnapshotSource> {
  const absolute = path.resolve(file);
  let timer: NodeJS.Timeout | undefined;
  let reading = Promise.resolve();

  const load = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (err) {
      logger.error({ err, file: absolute }, 'cannot read the snapshot file; the current snapshot keeps serving');
      return;
    }
    let candidate: unknown;
    try {
      candidate = JSON.parse(text);
    } catch (err) {
      gateway.metrics.snapshotOffered('refused');
      logger.error({ err, file: absolute }, 'the snapshot file is not JSON; the current snapshot keeps serving');
      return;
    }
    gateway.applySnapshot(candidate, absolute);
  };
  // Editors and `cp` produce several events per save: read once they settle.
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reading = reading.then(load);
    }, 50);
  };

  await load();
  const watcher = watch(absolute, { ignoreInitial: true, atomic: true });
  watcher.on('add', schedule);
  watcher.on('change', schedule);
  watcher.on('error', (err) => logger.error({ err, file: absolute }, 'watching the snapshot file failed'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await reading;
    },
  };
}
