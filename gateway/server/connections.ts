import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Exchange } from '../http/exchange.ts';

const IDLE_GRACE_MS = 1_000;

/** The proxy port's connections: requests in flight on each, its latest request, and upgraded sockets. */
export class Connections {
  readonly #inFlight = new Map<Socket, number>();
  /** Each connection's latest request: a parser error or timeout may belong to it, and it may have been answered already. */
  readonly #latest = new WeakMap<Socket, { res: ServerResponse; exchange: Exchange }>();
  readonly #upgraded = new Set<Socket>();

  opened(socket: Socket): void {
    this.#inFlight.set(socket, 0);
    socket.once('close', () => this.#inFlight.delete(socket));
  }

  requestStarted(socket: Socket, res: ServerResponse, exchange: Exchange): void {
    this.#inFlight.set(socket, (this.#inFlight.get(socket) ?? 0) + 1);
    this.#latest.set(socket, { res, exchange });
  }

  requestEnded(socket: Socket): void {
    const active = this.#inFlight.get(socket);
    if (active !== undefined) this.#inFlight.set(socket, active - 1);
  }

  latest(socket: Socket): { res: ServerResponse; exchange: Exchange } | undefined {
    return this.#latest.get(socket);
  }

  upgraded(socket: Socket): void {
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
  }

  /**
   * Without Node's closeIdleConnections(): an idle keep-alive connection closed by us
   * can cross a request the client is sending on it. Each connection instead gets its
   * next response with `Connection: close`, or is closed after it has been idle for a
   * grace period; whatever is left at the deadline is cut.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const idleSince = new Map<Socket, number>();
    while (this.#inFlight.size > 0 && Date.now() < deadline) {
      const t = Date.now();
      for (const [socket, active] of this.#inFlight) {
        if (socket.destroyed) {
          this.#inFlight.delete(socket);
          continue;
        }
        if (active > 0) {
          idleSince.delete(socket);
          continue;
        }
        const since = idleSince.get(socket) ?? t;
        idleSince.set(socket, since);
        if (t - since >= IDLE_GRACE_MS) socket.end();
      }
      await sleep(25);
    }
    for (const socket of this.#inFlight.keys()) socket.destroy();
    for (const socket of this.#upgraded) socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
