import { pino } from 'pino';

export interface LogDestinationOptions {
  /** A file descriptor or a path; default 1 (stdout). */
  dest?: number | string;
  /** Lines are collected until this many bytes, then written together; default 4 KiB. */
  bufferBytes?: number;
  /** The longest a line waits in the buffer; default 1000 ms. */
  flushMs?: number;
}

/**
 * Where the gateway's JSON lines go: written in batches, like nginx's
 * `access_log ... buffer=4k flush=1s`. pino's default destination hands every line to
 * the libuv thread pool on its own (a thread wake-up, a write and a completion per
 * request, about seven system calls); batching makes that one per ~4 KiB of lines
 * (a dozen or more access log lines). Lines still leave in order, at most `flushMs`
 * late, and pino flushes what is left when the process exits.
 */
export function logDestination(options: LogDestinationOptions = {}) {
  return pino.destination({
    dest: options.dest ?? 1,
    minLength: options.bufferBytes ?? 4096,
    periodicFlush: options.flushMs ?? 1000,
    sync: false,
  });
}
