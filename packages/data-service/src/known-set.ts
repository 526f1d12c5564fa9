/**
 * A set of names known to exist, forgotten wholesale when it grows large: forgetting
 * costs one idempotent create call per name, and a process serving many users must
 * not grow without bound.
 */
export class KnownSet {
  readonly #names = new Set<string>();
  has(name: string): boolean {
    return this.#names.has(name);
  }
  add(name: string): void {
    if (this.#names.size >= 10_000) this.#names.clear();
    this.#names.add(name);
  }
  delete(name: string): void {
    this.#names.delete(name);
  }
}
