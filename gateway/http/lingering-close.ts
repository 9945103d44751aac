import type { IncomingMessage, ServerResponse } from 'node:http';

/** The longest a refused request's remaining body is read and thrown away before its connection closes. */
export const LINGER_MS = 2_000;
/** The most of a refused request's remaining body read and thrown away before its connection closes. */
export const LINGER_BYTES = 1024 * 1024;

/** The client has declared a body and not finished sending it. */
export function bodyStillComing(req: IncomingMessage): boolean {
  if (req.complete) return false;
  // The raw headers: `req.headers` is rewritten for the upstream, without Transfer-Encoding.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'transfer-encoding') return true;
    if (name === 'content-length' && raw[i + 1]!.trim() !== '0') return true;
  }
  return false;
}

/**
 * For an answer sent with `Connection: close` before the request's body has arrived.
 * Node closes such a socket as soon as the answer is written; closing with unread
 * bytes makes the kernel send a reset that can destroy the answer before the client
 * reads it, while reading on for as long as the client sends lets a client dribbling
 * bytes hold the socket. So, like nginx's lingering close: half-close, discard the
 * rest for at most LINGER_MS and LINGER_BYTES, then close.
 */
export function closeAfterDraining(res: ServerResponse): void {
  const req = res.req;
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  // Reading from now on keeps Node from dumping the rest unseen once the answer is written: it is counted.
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (timer && bytes > LINGER_BYTES) close();
  });
  req.resume();
  res.once('finish', () => {
    if (req.complete || socket.destroyed) return;
    // Node's own finish handler has run: it ended the socket and asked for it to be destroyed once that is
    // flushed (should Node stop doing it that way, this finds nothing and the socket closes at once, as before).
    // oxlint-disable-next-line typescript/unbound-method -- the very listener Node attached, removed by identity
    socket.removeListener('finish', socket.destroy);
    if (bytes > LINGER_BYTES) return close();
    timer = setTimeout(close, LINGER_MS);
    req.once('end', close);
    req.once('error', close);
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
  });
}
