// The seed wire contract (proto/seed-contract.json, a copy of the facts existing
// isA clients speak) and a decoder driven only by it: bytes our generated code
// writes are read back by field number and wire type as an old client would.
import { readFileSync } from "node:fs";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export interface ContractField {
  name: string;
  number: number;
  type: string;
  typeName: string;
  repeated: boolean;
  oneof: number | null;
}

export interface ContractMethod {
  name: string;
  input: string;
  output: string;
  clientStreaming: boolean;
  serverStreaming: boolean;
}

export interface Contract {
  services: Record<string, ContractMethod[]>;
  messages: Record<string, ContractField[]>;
}

export const contract: Contract = JSON.parse(
  readFileSync(new URL("../../../proto/seed-contract.json", import.meta.url), "utf8"),
);

/** Fields the integration guide renamed; same number and type on the wire. */
export const renamedFields: Record<string, string> = {
  "isa.minio.PutObjectRequest.chunk": "chunk_data",
  "isa.minio.GetObjectResponse.chunk": "chunk_data",
};

type Decoded = Record<string, unknown>;

const expectedWireType: Record<string, WireType> = {
  string: WireType.LengthDelimited,
  bytes: WireType.LengthDelimited,
  message: WireType.LengthDelimited,
  map: WireType.LengthDelimited,
  bool: WireType.Varint,
  int32: WireType.Varint,
  int64: WireType.Varint,
  enum: WireType.Varint,
  double: WireType.Bit64,
};

// Well-known types are not in the contract's message list; these are their
// published field numbers.
const wellKnown: Record<string, ContractField[]> = {
  "google.protobuf.Timestamp": [
    { name: "seconds", number: 1, type: "int64", typeName: "", repeated: false, oneof: null },
    { name: "nanos", number: 2, type: "int32", typeName: "", repeated: false, oneof: null },
  ],
};

function readScalar(reader: BinaryReader, type: string): unknown {
  switch (type) {
    case "string":
      return reader.string();
    case "bytes":
      return reader.bytes();
    case "bool":
      return reader.bool();
    case "int32":
    case "enum":
      return reader.int32();
    case "int64":
      return BigInt(reader.int64());
    case "double":
      return reader.double();
    default:
      throw new Error(`no scalar reader for ${type}`);
  }
}

function readValue(reader: BinaryReader, field: ContractField): unknown {
  if (field.type === "message") return decodeWithContract(field.typeName, reader.bytes());
  return readScalar(reader, field.type);
}

function readMapEntry(reader: BinaryReader, typeName: string): [unknown, unknown] {
  const match = /^map<(\w+),([\w.]+)>$/.exec(typeName);
  if (!match) throw new Error(`unreadable map type ${typeName}`);
  const [, keyType, valueType] = match as unknown as [string, string, string];
  const entry = new BinaryReader(reader.bytes());
  let key: unknown;
  let value: unknown;
  while (entry.pos < entry.len) {
    const [no] = entry.tag();
    if (no === 1) key = readScalar(entry, keyType);
    else if (valueType.includes(".")) value = decodeWithContract(valueType, entry.bytes());
    else value = readScalar(entry, valueType);
  }
  return [key, value];
}

/**
 * Decodes `bytes` as the contract's `messageName`, keyed by the contract's field
 * names. Throws on a field number the contract does not know or a wire type that
 * differs from the contract's, which is exactly what would break an old client.
 */
export function decodeWithContract(messageName: string, bytes: Uint8Array): Decoded {
  if (messageName === "google.protobuf.Struct") return { $struct: bytes };
  const fields = contract.messages[messageName] ?? wellKnown[messageName];
  if (!fields) throw new Error(`${messageName} is not in the contract`);
  const reader = new BinaryReader(bytes);
  const out: Decoded = {};
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    const field = fields.find((f) => f.number === no);
    if (!field) throw new Error(`${messageName} has no field ${no} in the contract`);
    if (wireType !== expectedWireType[field.type]) {
      throw new Error(
        `${messageName}.${field.name}: wire type ${wireType}, contract says ${field.type}`,
      );
    }
    if (field.type === "map") {
      const [key, value] = readMapEntry(reader, field.typeName);
      out[field.name] = { ...(out[field.name] as object | undefined), [String(key)]: value };
    } else if (field.repeated) {
      out[field.name] = [
        ...((out[field.name] as unknown[] | undefined) ?? []),
        readValue(reader, field),
      ];
    } else {
      out[field.name] = readValue(reader, field);
    }
  }
  return out;
}
