/**
 * A wake-up one stage fires and others subscribe to, so that the stages can be
 * built in the order they depend on each other and wired after, with no closure
 * over a variable declared further down.
 */
export class Signal<T = void> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): void {
    this.listeners.add(listener);
  }

  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}
