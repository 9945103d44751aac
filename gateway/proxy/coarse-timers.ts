/** Something a CoarseTimers wheel can fire; it carries its own slot so that arming allocates nothing. */
export interface CoarseTimer {
  /** When it is due, on `performance.now()`'s clock; Infinity when disarmed. */
  timerDeadline: number;
  /** The wheel slot whose bucket holds it, or -1. */
  timerSlot: number;
  /** Its place in that bucket. */
  timerIndex: number;
  timerFired(): void;
}

/** Slot width: a timer fires at most this much (plus event-loop delay) after it is due, never before. */
export const TICK_MS = 10;
const SLOTS = 512;

/**
 * One process-wide timer wheel for the forwarder's deadlines: thousands of
 * flights a second each arming, refreshing and clearing a Node timer cost more
 * than one 10 ms tick that looks at the slot that is due. Arming writes a field
 * and at most pushes onto an array; refreshing to a later deadline only writes
 * the field, and the entry moves when its old slot comes up (as Node's own
 * timer lists do). Deadlines beyond the wheel's span wait in its last slot.
 */
export class CoarseTimers {
  readonly #buckets: Array<Array<CoarseTimer | undefined>> = Array.from({ length: SLOTS }, () => []);
  readonly #now: () => number;
  /** The last slot looked at. */
  #cursor = 0;
  /** Timers in buckets (one moved to an earlier slot counts twice until its old slot comes up). */
  #size = 0;
  #ticker: NodeJS.Timeout | undefined;
  readonly #tick = (): void => {
    this.#ticker = undefined;
    this.runDue(this.#now());
    if (this.#size > 0) this.#schedule();
  };

  readonly #ticking: boolean;

  /** `ticking: false` leaves `runDue` to the caller (tests with their own clock). */
  constructor(now: () => number = () => performance.now(), ticking = true) {
    this.#now = now;
    this.#ticking = ticking;
    this.#cursor = Math.floor(now() / TICK_MS);
  }

  /** Due `ms` from now; a timer already armed is moved (later: lazily, earlier: at once). */
  arm(timer: CoarseTimer, ms: number): void {
    this.armAt(timer, this.#now() + ms);
  }

  armAt(timer: CoarseTimer, deadline: number): void {
    // Idle until now: the slots passed meanwhile were empty, so the wheel starts from here.
    if (this.#size === 0) this.#cursor = Math.max(this.#cursor, Math.floor(this.#now() / TICK_MS) - 1);
    timer.timerDeadline = deadline;
    const slot = this.#slotFor(deadline);
    // Already in a slot no later than this one: it is moved on when that slot comes up.
    if (timer.timerSlot !== -1 && timer.timerSlot <= slot) return;
    this.#insert(timer, slot);
  }

  disarm(timer: CoarseTimer): void {
    timer.timerDeadline = Infinity;
    const slot = timer.timerSlot;
    if (slot === -1) return;
    // Out of its bucket at once (its place stays, empty): a finished flight must not be kept alive until its slot comes up.
    const bucket = this.#buckets[slot % SLOTS]!;
    if (bucket[timer.timerIndex] === timer) {
      bucket[timer.timerIndex] = undefined;
      this.#size--;
    }
    timer.timerSlot = -1;
  }

  /** Fires what is due at `now` and moves what was postponed; the ticker calls it, tests may too. */
  runDue(now: number): void {
    const last = Math.floor(now / TICK_MS);
    // After a stall longer than the wheel's span every slot is due once; no need to go round again.
    const first = Math.max(this.#cursor + 1, last - SLOTS + 1);
    for (let slot = first; slot <= last; slot++) {
      this.#cursor = slot;
      const index = slot % SLOTS;
      const bucket = this.#buckets[index]!;
      if (bucket.length === 0) continue;
      this.#buckets[index] = [];
      for (let i = 0; i < bucket.length; i++) {
        const timer = bucket[i];
        if (timer === undefined) continue;
        this.#size--;
        // Moved to an earlier slot since, and handled there (a slot passed over in a stall counts as this one).
        if (timer.timerSlot === -1 || timer.timerSlot > slot || timer.timerSlot % SLOTS !== index) continue;
        timer.timerSlot = -1;
        const deadline = timer.timerDeadline;
        if (deadline === Infinity) continue;
        if (deadline > now) this.#insert(timer, this.#slotFor(deadline));
        else {
          timer.timerDeadline = Infinity;
          timer.timerFired();
        }
      }
    }
    this.#cursor = Math.max(this.#cursor, last);
  }

  /** Timers the wheel holds a reference to; what keeps it ticking. */
  get held(): number {
    return this.#size;
  }

  #slotFor(deadline: number): number {
    const slot = Math.ceil(deadline / TICK_MS);
    return Math.min(Math.max(slot, this.#cursor + 1), this.#cursor + SLOTS - 1);
  }

  #insert(timer: CoarseTimer, slot: number): void {
    timer.timerSlot = slot;
    timer.timerIndex = this.#buckets[slot % SLOTS]!.push(timer) - 1;
    if (this.#size++ === 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#ticker !== undefined || !this.#ticking) return;
    // Unref'd: a flight's sockets keep the process alive, its deadline need not.
    this.#ticker = setTimeout(this.#tick, TICK_MS);
    this.#ticker.unref();
  }
}
