// The catalogue of variables and the docs renderer; the checks themselves are the tests.
export { BEGIN, END, variablesTable, withFreshTable } from "./render-docs.js";
export type { Component, Variable } from "./variables.js";
export { VARIABLES, variable } from "./variables.js";
