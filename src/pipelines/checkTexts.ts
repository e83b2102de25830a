// Validates what a user passes to a text-classification pipeline: a string or an array of strings.
// Anything else is a TypeError that names the offending index and type, never a crash deeper down.

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `an array (length ${v.length})`;
  if (typeof v === "number") return `a number (${v})`;
  if (typeof v === "object") {
    const name = (v as object).constructor?.name;
    return name && name !== "Object" ? `an object of class ${name}` : "an object";
  }
  return `a ${typeof v}`;
}

/** Returns the texts as an array, or throws a TypeError describing the first value that is not a string. */
export function checkTexts(input: unknown, what = "pipeline"): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      if (typeof input[i] !== "string") {
        throw new TypeError(`${what}: input[${i}] is ${describe(input[i])}; every input must be a string (convert it with String(x), or drop it)`);
      }
    }
    return input as string[];
  }
  throw new TypeError(`${what}: expected a string or an array of strings, got ${describe(input)}`);
}
