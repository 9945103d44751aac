// Real operator and gateway processes for end-to-end tests: each in its own
// process group and tethered to the test worker (test/control-plane/tether.sh),
// so that kill() is a real SIGKILL and a killed test leaves nothing running.
// Both log pino JSON lines to a file in the control plane's directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '../../control-plane/processes.ts';
import type { OperatorOptions } from '../../../operator/run-operator.ts';
import { until } from '../../support/wait.ts';

const operatorMain = fileURLToPath(new URL('./operator-main.ts', import.meta.url));
const gatewayMain = fileURLToPath(new URL('../../gateway/gateway-process.ts', import.meta.url));

export type LogLine = { time: number; msg: string; [field: string]: unknown };

export type NodeProcess = {
  child: Child;
  logFile: string;
  /** Every JSON log line so far. */
  lines(): LogLine[];
  /** The first log line (from `after` on) with this message. */
  waitFor(msg: string, options?: { timeoutMs?: number; after?: number }): Promise<LogLine>;
  /** SIGKILL to the whole group: no shutdown hooks, no Lease release. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGSTOP to the whole group: alive, connections open, nothing processed (a hung process). */
  freeze(): void;
  /** SIGCONT: carries on where it was frozen. */
  thaw(): void;
};

let counter = 0;

function startNodeProcess(name: string, dir: string, script: string, args: string[], env: Record<string, string> = {}): NodeProcess {
  // E2E_LOG_DIR keeps the logs past the control plane's directory, for a failure to be read.
  const logFile = join(process.env.E2E_LOG_DIR ?? dir, `${name}-${process.pid}-${counter++}.log`);
  // env(1) in front: the tether passes the test's own environment on, plus these.
  const child = startChild(name, 'env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, script, ...args], logFile);
  const lines = (): LogLine[] => {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').flatMap((l) => {
      if (!l.startsWith('{')) return [];
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
  };
  return {
    child,
    logFile,
    lines,
    async waitFor(msg, o = {}) {
      const { value } = await until(
        `"${msg}" in ${name}'s log`,
        async () => {
          if (child.hasExited()) throw new Error(`${name} exited:\n${child.logTail(30)}`);
          return lines().find((l) => l.msg === msg && l.time >= (o.after ?? 0));
        },
        o.timeoutMs ?? 60_000,
        50,
      );
      return value;
    },
    async kill() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await child.exited;
    },
    stop: () => child.stop(10_000),
    freeze: () => signalGroup(child.pid, 'SIGSTOP'),
    thaw: () => signalGroup(child.pid, 'SIGCONT'),
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export type OperatorProcess = NodeProcess & {
  publisherPort: number;
  adminPort: number;
  identity: string;
  /** The sum of a Prometheus counter or gauge from /metrics, over series matching `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
};

/** `runOperator` in its own process; options as runOperator takes them (minus the logger). */
export type OperatorProcessOptions = Omit<OperatorOptions, 'logger' | 'clock'> & { identity: string };

export async function startOperatorProcess(dir: string, options: OperatorProcessOptions): Promise<OperatorProcess> {
  const p = startNodeProcess(`operator-${options.identity}`, dir, operatorMain, [JSON.stringify({ host: '127.0.0.1', ...options })]);
  const ready = await p.waitFor('operator listening');
  const adminPort = ready.adminPort as number;
  return {
    ...p,
    identity: options.identity,
    publisherPort: ready.publisherPort as number,
    adminPort,
    metric: async (name, labels = {}) => {
      const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      return sumMetric(text, name, labels);
    },
  };
}

export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export type GatewayProcess = NodeProcess & { proxyPort: number; adminPort: number };

/** `tollgate gateway` fed by an operator's long-poll publisher, optionally persisting its snapshot. */
export async function startGatewayProcess(
  dir: string,
  o: { operatorUrl?: string; stateDir?: string; replica: string; proxyPort?: number; operatorTokenFile?: string },
): Promise<GatewayProcess> {
  const args = ['--proxy-port', String(o.proxyPort ?? 0), '--admin-port', '0', '--host', '127.0.0.1', '--replica', o.replica, '--log-level', 'info'];
  if (o.operatorUrl) args.push('--operator', o.operatorUrl);
  if (o.operatorTokenFile) args.push('--operator-token-file', o.operatorTokenFile);
  if (o.stateDir) args.push('--state-dir', o.stateDir);
  const p = startNodeProcess(`gateway-${o.replica}`, dir, gatewayMain, args);
  const ready = await p.waitFor('gateway listening');
  return { ...p, proxyPort: ready.proxyPort as number, adminPort: ready.adminPort as number };
}
