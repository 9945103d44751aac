import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_FILE_BYTES } from '../../operator/loader/read-documents.ts';

const UNITS: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 * 1024 };

/** `--max-file-bytes`: YAML files larger than this are refused with an error; bytes, or with KiB/MiB. */
export function maxFileBytesOption(): Option {
  return new Option('--max-file-bytes <size>', 'refuse YAML files larger than this (bytes, or e.g. 4MiB)')
    .default(DEFAULT_MAX_FILE_BYTES, '1MiB')
    .argParser((value: string) => {
      const m = /^(\d+)(KiB|MiB)?$/.exec(value.trim());
      const bytes = m ? Number(m[1]) * UNITS[m[2] ?? '']! : NaN;
      if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError('expected a positive number of bytes, e.g. 4194304 or 4MiB');
      return bytes;
    });
}
