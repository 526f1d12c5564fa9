import {
  type DatabaseRef,
  FencedError,
  type Generation,
  type GenerationStore,
  type Pointer,
} from "./generations.js";
import type { DatabaseRecord, Registry } from "./registry.js";

/**
 * One node: the pointer is the `generation` field of the database's registry record, so a
 * checkpoint moves it and stores the metadata in one write. The compare is against the
 * record as this node last wrote it (the registry cache): one node serves an owner, so no
 * one else writes it. Writes are acknowledged once on local disk, as before generations.
 */
export class RegistryGenerationStore implements GenerationStore {
  readonly shipsWal = false;

  constructor(private readonly registry: Registry) {}

  async read(record: DatabaseRef & { generation?: Generation }): Promise<Pointer | undefined> {
    return record.generation && pointerOf(record.generation);
  }

  async swap(
    ref: DatabaseRef,
    expected: Pointer | undefined,
    next: Generation,
    record?: DatabaseRecord,
  ): Promise<Pointer> {
    const current = await this.registry.get(ref.owner, ref.name);
    const base = record ?? current;
    const now = current?.generation && pointerOf(current.generation);
    if (!base || now?.version !== expected?.version) {
      throw new FencedError(
        `database ${JSON.stringify(ref.name)} was ${base ? "checkpointed by someone else" : "deleted"} meanwhile`,
      );
    }
    await this.registry.put({ ...base, generation: next });
    return pointerOf(next);
  }

  async remove(): Promise<void> {
    // The pointer goes with the registry record.
  }

  close(): void {}
}

function pointerOf(generation: Generation): Pointer {
  const { number, writer, segments } = generation;
  return { generation, version: `${number}-${writer}-${segments}` };
}
