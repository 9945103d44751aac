// bench/compile: compile time and peak RSS for a large synthetic estate, at
// several scales to show growth is linear. Target at scale 1 (10k APIs, 2k
// products, 50k apps with 2 credentials, 100k subscriptions): <= 1 s, <= 512 MiB.
// "compile ms" is a running operator's compile (each after its first, on a settled
// heap); "first ms" the first of a process, beside it; CPU ms counts every thread.
import { execFileSync } from 'node:child_process';

const scales = (process.env.BENCH_SCALES ?? '0.25,0.5,1').split(',').map(Number);
const rows = scales.map((scale) =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', new URL('./compile-once.ts', import.meta.url).pathname, String(scale)], { encoding: 'utf8' })),
);
const base = rows[0];
console.log('scale  objects   compile ms  µs/object  vs first  CPU ms  first ms  peak RSS MiB  routes  active subs  errors');
for (const r of rows) {
  const perObject = (r.ms * 1000) / r.objects;
  const ratio = perObject / ((base.ms * 1000) / base.objects);
  console.log(
    `${String(r.scale).padEnd(6)} ${String(r.objects).padEnd(9)} ${String(r.ms).padEnd(11)} ${perObject.toFixed(2).padEnd(10)} ${ratio.toFixed(2).padEnd(9)} ${String(r.cpuMs).padEnd(7)} ${String(r.firstMs).padEnd(9)} ${String(r.peakRssMiB).padEnd(13)} ${String(r.routes).padEnd(7)} ${String(r.activeSubscriptions).padEnd(12)} ${r.errors}`,
  );
}
const full = rows.find((r) => r.scale === 1);
if (full) console.log(`target: compile <= 1000 ms (${full.ms <= 1000 ? 'met' : 'MISSED'}), peak RSS <= 512 MiB (${full.peakRssMiB <= 512 ? 'met' : 'MISSED'})`);
