/** A minimal typed event emitter (no Node `events`, so it runs in browsers and Workers too). */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => unknown>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => unknown): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => unknown);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => unknown): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => unknown);
  }

  /** Resolves with the next payload of `event`. */
  once<K extends keyof Events>(event: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        off();
        resolve(payload);
      });
    });
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /**
   * Calls every listener in order and returns their results (for handlers that return promises).
   * A listener that throws does not stop the others; its error is passed to `onListenerError`.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K], onListenerError?: (err: unknown) => void): unknown[] {
    const results: unknown[] = [];
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        results.push((listener as (p: Events[K]) => unknown)(payload));
      } catch (err) {
        onListenerError?.(err);
      }
    }
    return results;
  }
}
