import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';

/**
 * The whole request body, for a step that must see it before anything goes
 * upstream (validation). Bounded by the gateway's body limit: past it the
 * request is refused with 413 rather than held in memory.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done).off('aborted', onAborted);
      if (err) reject(err);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        done(new GatewayError('request-too-large', undefined, { headers: { connection: 'close' } }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, total));
    };
    const onAborted = () => done(new GatewayError('bad-request', 'the request body was cut off'));
    req.on('data', onData).on('end', onEnd).on('error', done).on('aborted', onAborted);
  });
}
