import { join } from 'node:path';
import { pino } from 'pino';
import type { DevOptions } from '../../dev/run-dev.ts';

/** `runDev`'s options for a test or a benchmark: config and state under `dir`, free loopback ports, quiet. */
export function devOptions(dir: string, more: Partial<DevOptions> = {}): DevOptions {
  return {
    paths: [join(dir, 'config')],
    proxyPort: 0,
    adminPort: 0,
    host: '127.0.0.1',
    stateDir: join(dir, 'state'),
    defaultNamespace: 'default',
    print: () => {},
    logger: pino({ level: 'silent' }),
    ...more,
  };
}
