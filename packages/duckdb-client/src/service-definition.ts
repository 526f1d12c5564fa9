import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { columnarFrameType } from "./columnar-frame.js";

type Methods = DuckDBServiceDefinition["methods"];
type Columnar = Methods["executeQueryColumnar"];

/**
 * DuckDBServiceDefinition with ExecuteQueryColumnar's responses parsed by
 * columnar-frame.ts (views over the received bytes) instead of ts-proto's decoder (a JS
 * string per text cell, a copy per packed vector). Same wire, same methods.
 */
export type DuckdbWireDefinition = Omit<DuckDBServiceDefinition, "methods"> & {
  methods: Omit<Methods, "executeQueryColumnar"> & {
    executeQueryColumnar: Omit<Columnar, "responseType"> & {
      responseType: typeof columnarFrameType;
    };
  };
};

export const DuckdbWireDefinition: DuckdbWireDefinition = {
  ...DuckDBServiceDefinition,
  methods: {
    ...DuckDBServiceDefinition.methods,
    executeQueryColumnar: {
      ...DuckDBServiceDefinition.methods.executeQueryColumnar,
      responseType: columnarFrameType,
    },
  },
};
