import { stopChild } from './stop-child.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres-server.ts';

/**
 * A real Prometheus (Debian's `prometheus`) on a free port of 127.0.0.1, scraping the given
 * targets every second, with its TSDB in a temp dir.
 *
 *   const prom = await startPrometheus([{ job: 'tollgate-gateway', targets: ['127.0.0.1:9090'] }]);
 *   await prom.query('up')   // the /api/v1/query result
 *   await prom.close();
 *
 * Fails (never skips) when the binary is missing: CI installs it from Debian.
 */
export interface PrometheusServer {
  readonly url: string;
  query(expr: string): Promise<{ status: string; error?: string; data?: { resultType: string; result: unknown[] } }>;
  close(): Promise<void>;
}

export function assertPromtoolInstalled(): void {
  for (const command of ['prometheus', 'promtool']) {
    const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        `${command} is not installed, and the monitoring tests need it. Install it with \`apt-get update && apt-get install -y prometheus\` (as .ci/run does).`,
      );
    }
  }
}

/** `promtool ARGS` with `input` on stdin: its exit code and output. */
export function promtool(args: string[], input?: string, cwd?: string): { code: number; output: string } {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8', cwd, timeout: 60_000 });
  return { code: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

export async function startPrometheus(jobs: Array<{ job: string; targets: string[] }>): Promise<PrometheusServer> {
  assertPromtoolInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  const child: ChildProcess = spawn('prometheus', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`prometheus was not ready within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    query: async (expr) => (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as never,
    close,
  };
}
