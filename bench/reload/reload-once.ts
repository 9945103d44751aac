// One reload in a fresh process: the operator's body for the next snapshot of the synthetic estate
// (one product renamed), then a gateway with a state directory serving the estate takes it as its
// operator client does (bytes parsed, then applied), and a 5 ms timer measures how long the event
// loop is held meanwhile and in the 3 s after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import { createGateway } from '../../gateway/server/create-gateway.ts';
import { snapshotJsonBytes } from '../../gateway/snapshot/snapshot-json.ts';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';
import { compile } from '../../operator/compiler/compile.ts';
import { generateResources } from '../compile/generate.ts';

const scale = Number(process.argv[2] ?? 1);
// 'bytes': the gateway is handed the body it parsed (it keeps it as is); 'object': only the parsed snapshot, serialised again to persist it.
const mode = process.argv[3] === 'object' ? 'object' : 'bytes';
const compiled = compile(generateResources(scale), { now: new Date('2026-01-01T00:00:00Z') }).snapshot;
const serving = Buffer.from(JSON.stringify(compiled));
const { version: _, ...first } = compiled;
const products = first.products.map((p, i) => (i ? p : { ...p, displayName: `${p.displayName} (renamed)` }));
const next = sealSnapshot({ ...first, products });
// The operator's side: the body it sends, in pieces (bytes) or, as before, in one JSON.stringify (object).
const s0 = performance.now();
const body = mode === 'bytes' ? snapshotJsonBytes(next) : Buffer.from(JSON.stringify(next));
const serialiseMs = performance.now() - s0;
const stateDir = mkdtempSync(path.join(tmpdir(), 'tollgate-reload-'));
const gateway = await createGateway({
  proxyPort: 0,
  adminPort: 0,
  host: '127.0.0.1',
  stateDir,
  limitStore: createLimitStore(),
  logger: pino({ level: 'silent' }),
  processMetrics: false,
});

const start = gateway.applySnapshot(JSON.parse(serving.toString('utf8')), 'bench', serving);
if (!start.ok) throw new Error(`the first snapshot was refused: ${start.errors.join('; ')}`);
// Let its write to the state directory finish.
await new Promise((r) => setTimeout(r, 2000));

let last = performance.now();
let worst = 0;
const timer = setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last);
  last = now;
}, 5);
await new Promise((r) => setTimeout(r, 200));

const t0 = performance.now();
const candidate: unknown = JSON.parse(body.toString('utf8'));
const result = mode === 'bytes' ? gateway.applySnapshot(candidate, 'bench', body) : gateway.applySnapshot(candidate, 'bench');
const applyMs = performance.now() - t0;
last = performance.now();
worst = 0;
await new Promise((r) => setTimeout(r, 3000));
clearInterval(timer);
await gateway.close();
rmSync(stateDir, { recursive: true, force: true });
if (!result.ok) throw new Error(`the snapshot was refused: ${result.errors.join('; ')}`);
process.stdout.write(
  JSON.stringify({
    scale,
    mode,
    megabytes: body.length / 1e6,
    serialiseMs: Math.round(serialiseMs),
    applyMs: Math.round(applyMs),
    heldAfterMs: Math.round(worst),
  }) + '\n',
);
process.exit(0);
