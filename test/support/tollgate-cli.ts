// The real bin/tollgate in a child process, as a platform team's CI runs it: the
// exit code and both streams, whether it succeeded or not.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoDir = new URL('../../', import.meta.url).pathname;
export const tollgateBin = join(repoDir, 'bin/tollgate');

export async function tollgateCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tollgateBin, args, { cwd: repoDir });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
