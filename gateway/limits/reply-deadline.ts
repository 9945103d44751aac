/** A check Redis did not answer in time; the product's failure mode decides it. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`limit store did not answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/**
 * `reply`, or a StoreTimeoutError once `ms` have passed and Redis has still not answered.
 * "Not answered" is judged after the event loop has read what arrived: a busy loop runs a
 * due timer before the socket I/O of the same turn, so a timer that fires late would
 * otherwise declare a timeout for a reply that is already waiting to be read. Yielding
 * once with setImmediate puts one poll phase (which reads every readable socket) between
 * the timer and the verdict.
 */
export function replyWithin<T>(reply: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new StoreTimeoutError(ms));
      });
    }, ms);
    reply.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
