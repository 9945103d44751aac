import type { Socket } from 'node:net';
import { rawProblemResponse } from '../errors/problem.ts';
import { LINGER_MS } from '../http/lingering-close.ts';
import { sendProblem } from '../http/respond.ts';
import type { Connections } from './connections.ts';

/** A request the parser refused (bad syntax, headers too large, a timeout): answered if anything can still be said. */
export function answerClientError(connections: Connections, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request-timeout' : 'bad-request';
  const current = connections.latest(socket);
  if (current && !current.res.req.complete) {
    // The error is in the body of a request that has a response object: answer through it,
    // unless a response has begun already; a second one would be read as the next request's.
    if (current.res.headersSent) socket.destroy();
    else {
      current.exchange.code = code;
      sendProblem(current.res, code, undefined, current.exchange.id);
    }
    return;
  }
  if (current && !current.res.writableFinished) {
    // A new request's headers failed while the previous response is still being written: nothing can be said.
    socket.destroy();
    return;
  }
  socket.end(rawProblemResponse(code));
  // A client that never closes its side must not keep the socket.
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(cut));
}
