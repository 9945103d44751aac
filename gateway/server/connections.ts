import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Exchange } from '../http/exchange.ts';

const IDLE_GRACE_MS = 1_000;
/** Longest wait for cut sockets to report closed; a destroyed socket's close comes within a turn or two. */
const CUT_CLOSE_WAIT_MS = 1_000;

/** One connection's requests: how many are in flight, and its latest. */
interface ConnectionState {
  active: number;
  res: ServerResponse | undefined;
  exchange: Exchange | undefined;
}

const STATE = Symbol('tollgate.connection');
type Tracked = Socket & { [STATE]?: ConnectionState };

/**
 * The proxy port's connections: requests in flight on each, its latest request, and upgraded sockets.
 * Each connection's state hangs on its socket, so a request costs a property read and
 * no map updates; the map of open connections changes only as they open and close.
 */
export class Connections {
  readonly #inFlight = new Map<Socket, ConnectionState>();
  readonly #upgraded = new Set<Socket>();

  opened(socket: Socket): void {
    const state = stateOf(socket);
    state.active = 0;
    this.#inFlight.set(socket, state);
    socket.once('close', () => this.#inFlight.delete(socket));
  }

  requestStarted(socket: Socket, res: ServerResponse, exchange: Exchange): void {
    const state = stateOf(socket);
    // A request on a connection not (or no longer) tracked makes it tracked, so that a drain waits for it.
    if (!this.#inFlight.has(socket)) {
      state.active = 0;
      this.#inFlight.set(socket, state);
    }
    state.active++;
    state.res = res;
    state.exchange = exchange;
  }

  requestEnded(socket: Socket): void {
    const state = (socket as Tracked)[STATE];
    if (state !== undefined && this.#inFlight.has(socket)) state.active--;
  }

  /** Each connection's latest request: a parser error or timeout may belong to it, and it may have been answered already. */
  latest(socket: Socket): { res: ServerResponse; exchange: Exchange } | undefined {
    const state = (socket as Tracked)[STATE];
    return state?.res && state.exchange ? { res: state.res, exchange: state.exchange } : undefined;
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
      for (const [socket, { active }] of this.#inFlight) {
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
    const cut = [...this.#inFlight.keys(), ...this.#upgraded].filter((socket) => !socket.closed);
    // A socket emits `close` (which ends its exchange) a turn after destroy(), and after the
    // server's own close: wait for it, bounded, so that what the sinks record includes the cut.
    const closed = Promise.all(cut.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    for (const socket of cut) socket.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CUT_CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }
}

function stateOf(socket: Socket): ConnectionState {
  return ((socket as Tracked)[STATE] ??= { active: 0, res: undefined, exchange: undefined });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
