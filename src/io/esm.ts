// Loads an ESM-only package from CommonJS code. TypeScript (and tslab) would turn a literal `import()` into
// `require()` under CommonJS output, which cannot load ESM; a Function-built import survives compilation.
export const importEsm = new Function("s", "return import(s)") as <T = any>(specifier: string) => Promise<T>;
