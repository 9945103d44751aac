// One measurement in a fresh process, so peak RSS belongs to this scale alone.
import { performance } from 'node:perf_hooks';
import { compile } from '../../operator/compiler/compile.ts';
import { generateResources } from './generate.ts';

const scale = Number(process.argv[2] ?? 1);
const resources = generateResources(scale);
const objects = resources.apis.length + resources.products.length + resources.applications.length + resources.subscriptions.length;
const rssBefore = process.resourceUsage().maxRSS;
// Warm-up on a small slice so the measurement is of steady-state code, as in a long-running operator.
compile(generateResources(0.01), { now: new Date('2026-01-01T00:00:00Z') });
const cpu0 = process.cpuUsage();
const thread0 = process.threadCpuUsage();
const t0 = performance.now();
const result = compile(resources, { now: new Date('2026-01-01T00:00:00Z') });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const thread = process.threadCpuUsage(thread0);
const errors = result.findings.filter((f) => f.severity === 'error').length;
process.stdout.write(
  JSON.stringify({
    scale,
    objects,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    mainThreadCpuMs: Math.round((thread.user + thread.system) / 1000),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    inputRssMiB: Math.round(rssBefore / 1024),
    routes: result.snapshot.routes.length,
    activeSubscriptions: result.snapshot.subscriptions.length,
    errors,
  }) + '\n',
);
