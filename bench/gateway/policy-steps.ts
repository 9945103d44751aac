// The policy steps alone, in process, on one synthetic request: what they cost with no
// policy configured (they must cost ~nothing: one property read each) and with the
// representative set (two header rules, a path rewrite, an IP allow list, backend basic
// auth). Steady numbers on a busy machine, where wrk's req/s are not.
//
//   node bench/gateway/policy-steps.ts [--iterations 2000000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accessStep } from '../../gateway/pipeline/access-step.ts';
import { jsonThreatStep } from '../../gateway/pipeline/json-threat-step.ts';
import { mediationStep } from '../../gateway/pipeline/mediation-step.ts';
import { policyLimitStep } from '../../gateway/pipeline/policy-limit-step.ts';
import type { RequestContext } from '../../gateway/pipeline/request-context.ts';
import type { Step } from '../../gateway/pipeline/run-steps.ts';
import { compileApiPolicies } from '../../gateway/policies/api-policies.ts';
import { BackendAuthenticator } from '../../gateway/policies/backend-auth.ts';
import { SecretStore } from '../../gateway/policies/secret-store.ts';
import { BENCH_POLICIES, BENCH_SECRET } from './bench-snapshot.ts';

const i = process.argv.indexOf('--iterations');
const N = i === -1 ? 2_000_000 : Number(process.argv[i + 1]);
const STEPS: Step[] = [accessStep, policyLimitStep, jsonThreatStep, mediationStep];

const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-policy-bench-'));
mkdirSync(path.join(dir, BENCH_SECRET.namespace, BENCH_SECRET.name), { recursive: true });
for (const [k, v] of Object.entries(BENCH_SECRET.data)) writeFileSync(path.join(dir, BENCH_SECRET.namespace, BENCH_SECRET.name, k), v);
const secrets = new SecretStore(dir);

function context(withPolicies: boolean): RequestContext {
  const req = {
    method: 'GET',
    headers: { host: 'localhost', 'x-api-key': 'k', accept: '*/*', 'x-debug': '1' },
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const policies = withPolicies ? compileApiPolicies('bench/hello', BENCH_POLICIES) : undefined;
  return {
    req,
    websocket: false,
    api: { api: { id: 'bench/hello' }, policies },
    identity: { application: { id: 'bench/app' }, kind: 'apiKey' },
    grant: { product: { id: 'bench/gold', quotaFailureMode: 'open' }, subscription: {} },
    exchange: { id: '5f0c6c1e-8a1d-4a53-9a6a-0d1c2b3a4f5e' },
    path: '/hello/1.0.0/greet',
    basePath: '/hello/1.0.0',
    segments: ['hello', '1.0.0', 'greet'],
    from: 2,
    query: undefined,
    declaredLength: undefined,
    services: { policies: { secrets, backendAuth: new BackendAuthenticator(secrets, Date.now), trustedProxies: undefined } },
  } as unknown as RequestContext;
}

/** ns per request for the four policy steps, a fresh context state each time as the gateway has. */
function measure(withPolicies: boolean): number {
  const ctx = context(withPolicies) as unknown as Record<string, unknown>;
  const run = () => {
    ctx.upstreamHeaders = { host: 'localhost', accept: '*/*', 'x-debug': '1' };
    ctx.upstreamPath = undefined;
    ctx.clientIp = undefined;
    ctx.rewriteResponse = undefined;
    // Every step here answers synchronously for this request (no Redis, no token fetch, no body).
    for (const step of STEPS) if (step(ctx as unknown as RequestContext) !== undefined) throw new Error('a policy step went asynchronous');
  };
  for (let k = 0; k < N / 10; k++) run();
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < N; k++) run();
  return Number(process.hrtime.bigint() - t0) / N;
}

/** The same loop with no step: what resetting the context costs, taken off both. */
function overhead(): number {
  const ctx: Record<string, unknown> = {};
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < N; k++) {
    ctx.upstreamHeaders = { host: 'localhost', accept: '*/*', 'x-debug': '1' };
    ctx.upstreamPath = undefined;
    ctx.clientIp = undefined;
    ctx.rewriteResponse = undefined;
  }
  return Number(process.hrtime.bigint() - t0) / N;
}

const rounds = [0, 1, 2].map(() => ({ base: overhead(), none: measure(false), set: measure(true) }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
const base = median(rounds.map((r) => r.base));
const none = median(rounds.map((r) => r.none)) - base;
const set = median(rounds.map((r) => r.set)) - base;
console.log(`policy steps (access, policy limits, JSON threat, mediation), ${N} requests x 3 rounds, medians:`);
console.log(`  no policies:          ${none.toFixed(1)} ns/request`);
console.log(
  `  representative set:   ${set.toFixed(0)} ns/request (${(set / 1000).toFixed(2)} µs; 2 header rules, a path rewrite, an IP allow list, backend basic auth)`,
);
rmSync(dir, { recursive: true, force: true });
