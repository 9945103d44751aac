// bench/reload: a reload of the synthetic estate of bench/compile (scale 1: 10k APIs, 50k
// applications, 100k subscriptions). "body ms": the operator making the JSON it sends gateways;
// "apply ms": the gateway's synchronous part (parse, validate, build); "held after ms": the
// longest its event loop was held in the 3 s after, where persisting to the state directory lands.
// Side by side: the body made in pieces and handed to the gateway with the snapshot parsed from it
// (as the operator and the operator client do; the gateway keeps the bytes as they are) and, as the
// baseline, the body from one JSON.stringify and only the parsed snapshot handed over (serialised
// again to be persisted).
// Each measurement runs in a fresh process; the two alternate, ROUNDS times (default 3).
import { execFileSync } from 'node:child_process';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const rounds = Number(process.env.ROUNDS ?? 3);
const once = new URL('./reload-once.ts', import.meta.url).pathname;
const runs: Record<string, { serialiseMs: number; applyMs: number; heldAfterMs: number; megabytes: number }[]> = { bytes: [], object: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of i % 2 ? ['object', 'bytes'] : ['bytes', 'object']) {
    runs[mode]!.push(JSON.parse(execFileSync(process.execPath, [once, String(scale), mode], { encoding: 'utf8' })));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`scale ${scale}, a ${runs.bytes![0]!.megabytes.toFixed(1)} MB snapshot, ${rounds} round(s), medians`);
console.log('                                   body ms   apply ms  held after ms');
for (const [mode, label] of [
  ['object', 'one stringify, object (baseline)'],
  ['bytes', 'pieces, body bytes'],
] as const) {
  const r = runs[mode]!;
  console.log(
    `${label.padEnd(35)}${String(median(r.map((x) => x.serialiseMs))).padEnd(10)}${String(median(r.map((x) => x.applyMs))).padEnd(10)}${median(r.map((x) => x.heldAfterMs))}`,
  );
}
const ratio = (field: 'serialiseMs' | 'heldAfterMs') => (median(runs.bytes!.map((x) => x[field])) / median(runs.object!.map((x) => x[field]))).toFixed(2);
console.log(`against the baseline: body ${ratio('serialiseMs')}x, held after ${ratio('heldAfterMs')}x`);
