// One measurement in a fresh process, so peak RSS belongs to this scale alone.
import { performance } from 'node:perf_hooks';
import { compile, type CompileResult } from '../../operator/compiler/compile.ts';
import { generateResources } from './generate.ts';

const scale = Number(process.argv[2] ?? 1);
const options = { now: new Date('2026-01-01T00:00:00Z') };
const { gc } = globalThis as { gc?: () => void };
if (!gc) throw new Error('compile-once.ts needs node --expose-gc (run.ts passes it)');

function timed(run: () => CompileResult) {
  const cpu0 = process.cpuUsage();
  const thread0 = process.threadCpuUsage();
  const t0 = performance.now();
  const result = run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const thread = process.threadCpuUsage(thread0);
  return { result, ms, cpuMs: (cpu.user + cpu.system) / 1000, mainThreadCpuMs: (thread.user + thread.system) / 1000 };
}

// The first compile of a process, as the operator's at start: code warmed on a small slice only, and the heap as the
// estate's loading left it.
const resources = generateResources(scale);
const objects = resources.apis.length + resources.products.length + resources.applications.length + resources.subscriptions.length;
const rssBefore = process.resourceUsage().maxRSS;
compile(generateResources(0.01), options);
const first = timed(() => compile(resources, options));

// Every later compile, as the operator's on each change: the same objects (its informers keep an unchanged object
// from one compile to the next), code optimised by a full compile, and a settled heap. The compiler keeps nothing
// between calls (no cache keyed by input), so this is the same work on warmer ground.
first.result = undefined as unknown as CompileResult;
gc();
const steady = timed(() => compile(resources, options));
const result = steady.result;
const errors = result.findings.filter((f) => f.severity === 'error').length;
process.stdout.write(
  JSON.stringify({
    scale,
    objects,
    ms: Math.round(steady.ms),
    cpuMs: Math.round(steady.cpuMs),
    mainThreadCpuMs: Math.round(steady.mainThreadCpuMs),
    firstMs: Math.round(first.ms),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    inputRssMiB: Math.round(rssBefore / 1024),
    routes: result.snapshot.routes.length,
    activeSubscriptions: result.snapshot.subscriptions.length,
    errors,
  }) + '\n',
);
