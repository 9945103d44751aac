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
    apply: (value, absolute, text) => void gateway.applySnapshot(value, absolute, text),
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

/** A bearer token read from a file (in a cluster: a mounted Secret), kept current as the file changes. */
export interface TokenFile extends SnapshotSource {
  current(): string | undefined;
}

/**
 * The publisher token, from the file the kubelet keeps in sync with its Secret:
 * a rotated Secret takes effect without a restart. An empty or unreadable file
 * keeps the token in use.
 */
export async function startTokenFile(file: string, logger: Logger): Promise<TokenFile> {
  let token: string | undefined;
  const watcher = await watchFile(file, 'token', logger, (text) => {
    const next = text.trim();
    if (!next) return logger.error({ file }, 'the token file is empty; the current token stays in use');
    if (token !== undefined && next !== token) logger.info({ file }, 'token file changed; using the new token');
    token = next;
  });
  return { current: () => token, close: () => watcher.close() };
}

function watchJsonFile(
  file: string,
  what: string,
  logger: Logger,
  on: { apply: (value: unknown, absolute: string, text: string) => void; notJson: () => void },
): Promise<SnapshotSource> {
  return watchFile(file, what, logger, (text, absolute) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      on.notJson();
      logger.error({ err, file: absolute }, `the ${what} file is not JSON; the current ${what} stay in use`);
      return;
    }
    on.apply(value, absolute, text);
  });
}

/**
 * Reads a file now and again whenever its content changes. Events about other
 * files in its directory are ignored, except the kubelet's own `..data` swap.
 */
async function watchFile(file: string, what: string, logger: Logger, onText: (text: string, absolute: string) => void): Promise<SnapshotSource> {
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  let timer: NodeJS.Timeout | undefined;
  let reading = Promise.resolve();
  let last: string | undefined;

  const load = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (err) {
      logger.error({ err, file: absolute }, `cannot read the ${what} file; the current ${what} stay in use`);
      return;
    }
    if (text === last) return;
    last = text;
    onText(text, absolute);
  };
  // Editors and `cp` produce several events per save: read once they settle.
  const schedule = (_event: string, changed: string): void => {
    const base = path.basename(changed);
    if (base !== name && !base.startsWith('..')) return;
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
