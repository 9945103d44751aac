import { randomUUID } from 'node:crypto';

const COUNTER_DIGITS = 12;
const COUNTER_END = 16 ** COUNTER_DIGITS;

/**
 * Request ids shaped like a v4 UUID: a random prefix per process (the first 18 random
 * hex digits of a real one) and a 48-bit counter, which costs half of a randomUUID()
 * per request. An id only correlates a response with its log line: nothing trusts
 * or authorises by it, and a client's own `x-request-id` never reaches the upstream,
 * so a client that can predict the next id gains nothing. The random prefix keeps
 * replicas and restarts apart; the counter keeps ids within a process unique. The
 * cost: two of a client's ids tell it how many requests one replica served between them.
 */
export class RequestIds {
  #prefix = '';
  #next = COUNTER_END;

  next(): string {
    if (this.#next >= COUNTER_END) {
      this.#prefix = randomUUID().slice(0, 24);
      this.#next = Math.floor(Math.random() * 2 ** 32);
    }
    return this.#prefix + (this.#next++).toString(16).padStart(COUNTER_DIGITS, '0');
  }
}
