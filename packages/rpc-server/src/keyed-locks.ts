/** One holder at a time per key; waiters queue in arrival order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

interface RwState {
  readers: number;
  writer: boolean;
  queue: Array<{ write: boolean; grant: () => void }>;
}

/**
 * Per-key readers-writer lock: many shared holders or one exclusive holder. Waiters are
 * served in arrival order, so a writer is not starved by a stream of readers.
 */
export class KeyedRwLock {
  private readonly states = new Map<string, RwState>();

  shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.run(key, false, fn);
  }

  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.run(key, true, fn);
  }

  private async run<T>(key: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    let state = this.states.get(key);
    if (!state) {
      state = { readers: 0, writer: false, queue: [] };
      this.states.set(key, state);
    }
    const s = state;
    await new Promise<void>((grant) => {
      s.queue.push({ write, grant });
      this.pump(s);
    });
    try {
      return await fn();
    } finally {
      if (write) s.writer = false;
      else s.readers--;
      this.pump(s);
      if (!s.writer && s.readers === 0 && s.queue.length === 0) this.states.delete(key);
    }
  }

  private pump(s: RwState): void {
    while (s.queue.length > 0 && !s.writer) {
      const next = s.queue[0] as { write: boolean; grant: () => void };
      if (next.write && s.readers > 0) return;
      s.queue.shift();
      if (next.write) s.writer = true;
      else s.readers++;
      next.grant();
      if (next.write) return;
    }
  }
}
