import { readFileSync } from "node:fs";
import { createFileRegistry, type DescField, fromBinary, ScalarType } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { descriptorSetPath } from "../src/index.js";
import { type ContractField, contract, renamedFields } from "./contract.js";

// What buf compiled from proto/, read back from the descriptor set that the
// build ships (and server reflection serves).
const registry = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)),
);

function asContractField(field: DescField): Omit<ContractField, "name"> {
  const oneof = field.oneof ? field.parent.oneofs.indexOf(field.oneof) : null;
  switch (field.fieldKind) {
    case "scalar":
      return {
        number: field.number,
        type: ScalarType[field.scalar].toLowerCase(),
        typeName: "",
        repeated: false,
        oneof,
      };
    case "enum":
      return {
        number: field.number,
        type: "enum",
        typeName: field.enum.typeName,
        repeated: false,
        oneof,
      };
    case "message":
      return {
        number: field.number,
        type: "message",
        typeName: field.message.typeName,
        repeated: false,
        oneof,
      };
    case "list": {
      const element =
        field.listKind === "scalar"
          ? { type: ScalarType[field.scalar].toLowerCase(), typeName: "" }
          : field.listKind === "enum"
            ? { type: "enum", typeName: field.enum.typeName }
            : { type: "message", typeName: field.message.typeName };
      return { number: field.number, ...element, repeated: true, oneof: null };
    }
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? ScalarType[field.scalar].toLowerCase()
          : field.mapKind === "enum"
            ? field.enum.typeName
            : field.message.typeName;
      const key = ScalarType[field.mapKey].toLowerCase();
      return {
        number: field.number,
        type: "map",
        typeName: `map<${key},${value}>`,
        repeated: false,
        oneof: null,
      };
    }
  }
}

describe("the protos keep the seed wire contract", () => {
  for (const [serviceName, methods] of Object.entries(contract.services)) {
    it(`${serviceName} has every contract method with the same types and streaming`, () => {
      const service = registry.getService(serviceName);
      expect(service, serviceName).toBeDefined();
      for (const method of methods) {
        const ours = service?.methods.find((m) => m.name === method.name);
        expect(ours, `${serviceName}.${method.name}`).toBeDefined();
        expect({
          input: ours?.input.typeName,
          output: ours?.output.typeName,
          clientStreaming:
            ours?.methodKind === "client_streaming" || ours?.methodKind === "bidi_streaming",
          serverStreaming:
            ours?.methodKind === "server_streaming" || ours?.methodKind === "bidi_streaming",
        }).toEqual({
          input: method.input,
          output: method.output,
          clientStreaming: method.clientStreaming,
          serverStreaming: method.serverStreaming,
        });
      }
    });
  }

  it("keeps every contract message with every field's number, type, label and oneof", () => {
    const mismatches: string[] = [];
    for (const [messageName, fields] of Object.entries(contract.messages)) {
      const message = registry.getMessage(messageName);
      if (!message) {
        mismatches.push(`${messageName} is missing`);
        continue;
      }
      for (const field of fields) {
        const ours = message.fields.find((f) => f.number === field.number);
        const expectedName = renamedFields[`${messageName}.${field.name}`] ?? field.name;
        if (!ours) {
          mismatches.push(`${messageName}.${field.name} (${field.number}) is missing`);
          continue;
        }
        if (ours.name !== expectedName)
          mismatches.push(`${messageName}.${field.number} is named ${ours.name}`);
        const { name: _name, ...wire } = field;
        expect(asContractField(ours), `${messageName}.${field.name}`).toEqual(wire);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("only adds to the contract: no field number of a contract message is reused", () => {
    for (const [messageName, fields] of Object.entries(contract.messages)) {
      const message = registry.getMessage(messageName);
      const added = message?.fields.filter((f) => !fields.some((c) => c.number === f.number)) ?? [];
      for (const field of added) {
        expect(
          fields.some((c) => c.name === field.name),
          `${messageName}.${field.name}`,
        ).toBe(false);
      }
    }
  });
});
