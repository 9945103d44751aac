import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A process that imports the request steps with or without the variable, runs two timed steps and exits. */
function run(env: Record<string, string>) {
  const script = `import { REQUEST_STEPS } from ${JSON.stringify(path.join(here, 'request-steps.ts'))};
    import { timedSteps } from ${JSON.stringify(path.join(here, 'step-timing.ts'))};
    console.log(JSON.stringify({ names: REQUEST_STEPS.map((s) => s.name) }));
    const seen = [];
    const steps = timedSteps([function firstStep(c) { seen.push(1); }, function secondStep(c) { seen.push(2); return Promise.resolve(); }]);
    const results = steps.map((s) => s({}));
    console.log(JSON.stringify({ seen, promise: results[1] instanceof Promise }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(child.status, child.stderr).toBe(0);
  return {
    stdout: child.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr: child.stderr,
  };
}

describe('step timing', () => {
  it.each([
    { name: 'off: the plain steps', env: { TOLLGATE_STEP_TIMING: '' }, timed: false },
    { name: 'on: the timed steps, in the report at exit', env: { TOLLGATE_STEP_TIMING: '1' }, timed: true },
  ])('$name', ({ env, timed }) => {
    const { stdout, stderr } = run(env);
    const names = stdout[0]!.names as string[];
    // The plain steps keep their own names; the timed ones are wrappers.
    expect(names.includes('canonicaliseStep')).toBe(!timed);
    expect(stdout[1]).toEqual({ seen: [1, 2], promise: true });
    const report = stderr.split('\n').find((l) => l.includes('"stepTiming"'));
    const times = (JSON.parse(report!) as { stepTiming: Record<string, { us: number; calls: number }> }).stepTiming;
    expect(times.first!.calls).toBe(1);
    expect(times.second!.calls).toBe(1);
    // Only the timed variant of the request steps is in the report (none of them ran).
    expect(times.canonicalise?.calls).toBe(timed ? 0 : undefined);
  });
});
