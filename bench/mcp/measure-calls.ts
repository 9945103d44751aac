// The measuring loop both MCP benchmarks use: a warm-up, then N sequential calls
// timed one by one, and this process's CPU per call over them (client and server
// share the process, so it counts both).

export interface Result {
  name: string;
  p50: number;
  p99: number;
  cpuUs: number;
}

/** Runs `once` n times after 50 warm-up calls: latency percentiles in ms and CPU µs per call. */
export async function measureCalls(name: string, n: number, once: () => Promise<void>): Promise<Result> {
  for (let i = 0; i < 50; i++) await once();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return { name, p50: times[Math.floor(n * 0.5)]!, p99: times[Math.floor(n * 0.99)]!, cpuUs: (used.user + used.system) / n };
}
