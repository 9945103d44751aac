// Runs the chart's Argo CD health script (charts/tollgate/argocd/health.lua) on
// objects with argocd-lua: gopher-lua at the version Argo CD pins, with Argo CD's
// rules for a custom health script (test/control-plane/go/argocd-lua/main.go).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findTool } from '../../control-plane/binaries.ts';
import { chartDir } from './helm.ts';

export type Health = { status: string; message?: string; error?: string };

export const HEALTH_LUA = join(chartDir, 'argocd', 'health.lua');

export function argocdHealth(objects: unknown[], script = HEALTH_LUA): Promise<Health[]> {
  const bin = findTool('argocd-lua');
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [script], { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`argocd-lua failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as Health[]);
    });
    // A child that fails before reading says why on stderr; the broken pipe adds nothing.
    child.stdin!.on('error', () => {});
    child.stdin!.end(JSON.stringify(objects));
  });
}
