import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/** Writes `file` through a temporary file and a rename, so a crash mid-write leaves the old content, never half of the new. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  // writeFileSync's mode is subject to the umask and ignored for an existing file.
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
