// bench/reload: how long a gateway's event loop is held when it takes a new snapshot of the
// synthetic estate of bench/compile (scale 1: 10k APIs, 50k applications, 100k subscriptions).
// "apply ms" is the synchronous part (parse, validate, build); "held after ms" the longest the
// loop was held in the 3 s after it, which is where persisting to the state directory lands.
// Side by side: the gateway handed the body it parsed (as its operator client does, kept as is)
// and, as the baseline, only the parsed snapshot (serialised again to persist it).
// Each measurement runs in a fresh process; the two alternate, ROUNDS times (default 3).
import { execFileSync } from 'node:child_process';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const rounds = Number(process.env.ROUNDS ?? 3);
const once = new URL('./reload-once.ts', import.meta.url).pathname;
const runs: Record<string, { applyMs: number; heldAfterMs: number; megabytes: number }[]> = { bytes: [], object: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of i % 2 ? ['object', 'bytes'] : ['bytes', 'object']) {
    runs[mode]!.push(JSON.parse(execFileSync(process.execPath, [once, String(scale), mode], { encoding: 'utf8' })));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`scale ${scale}, a ${runs.bytes![0]!.megabytes.toFixed(1)} MB snapshot, ${rounds} round(s), medians`);
console.log('snapshot handed over as            apply ms  held after ms');
for (const [mode, label] of [
  ['object', 'parsed object (baseline)'],
  ['bytes', 'body bytes (operator client)'],
] as const) {
  const r = runs[mode]!;
  console.log(`${label.padEnd(35)}${String(median(r.map((x) => x.applyMs))).padEnd(10)}${median(r.map((x) => x.heldAfterMs))}`);
}
const held = (mode: string) => median(runs[mode]!.map((x) => x.heldAfterMs));
console.log(`held after, body bytes vs baseline: ${(held('bytes') / held('object')).toFixed(2)}x`);
