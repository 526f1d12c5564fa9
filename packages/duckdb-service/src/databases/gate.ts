/**
 * A shared/exclusive gate: calls on a database hold it shared, a checkpoint snapshot holds
 * it exclusively (no statement may run while the file is copied). A waiting exclusive
 * holder stops new shared ones, so a busy database cannot starve its checkpoint.
 */
export class Gate {
  private shared = 0;
  private exclusive = false;
  private readonly sharedWaiters: Array<() => void> = [];
  private readonly exclusiveWaiters: Array<() => void> = [];

  get busy(): boolean {
    return this.shared > 0 || this.exclusive;
  }

  async acquireShared(): Promise<() => void> {
    if (this.exclusive || this.exclusiveWaiters.length > 0) {
      await new Promise<void>((resolve) => this.sharedWaiters.push(resolve));
    } else {
      this.shared++;
    }
    return once(() => {
      this.shared--;
      this.wake();
    });
  }

  async acquireExclusive(): Promise<() => void> {
    if (this.exclusive || this.shared > 0) {
      await new Promise<void>((resolve) => this.exclusiveWaiters.push(resolve));
    } else {
      this.exclusive = true;
    }
    return once(() => {
      this.exclusive = false;
      this.wake();
    });
  }

  /** Exclusive only if nobody holds or waits for the gate; for opportunistic checkpoints. */
  tryExclusive(): (() => void) | undefined {
    if (this.busy || this.exclusiveWaiters.length > 0 || this.sharedWaiters.length > 0) {
      return undefined;
    }
    this.exclusive = true;
    return once(() => {
      this.exclusive = false;
      this.wake();
    });
  }

  // Waiters are granted here, already counted, so nobody can slip in between.
  private wake(): void {
    if (this.exclusive || this.shared > 0) return;
    const nextExclusive = this.exclusiveWaiters.shift();
    if (nextExclusive) {
      this.exclusive = true;
      nextExclusive();
      return;
    }
    const waiting = this.sharedWaiters.splice(0);
    this.shared += waiting.length;
    for (const resolve of waiting) resolve();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
