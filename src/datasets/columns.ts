// The column types a Dataset holds, column-oriented as Arrow holds them in HF datasets:
//   strings   string[]                      (text)
//   ints      Int32Array                    (label)
//   floats    Float32Array                  (scores)
//   sequences IntSequences: flat Int32Array + row offsets (input_ids, attention_mask, token_type_ids): one
//             array of ids per row, rows of any length, read as zero-copy Int32Array views.
// map() results arrive as plain JS values (number[], string[], arrays of id arrays); toColumn() turns them
// into one of the types above.

export class IntSequences {
  /** All rows' values end to end. */
  readonly data: Int32Array;
  /** Row i is data[offsets[i], offsets[i + 1]); numRows + 1 entries. */
  readonly offsets: Int32Array;

  constructor(data: Int32Array, offsets: Int32Array) {
    if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== data.length) {
      throw new Error(`IntSequences: offsets must start at 0 and end at the data length (${data.length})`);
    }
    this.data = data;
    this.offsets = offsets;
  }

  /** Rows of equal length `width`, row-major in `data`. */
  static fixed(data: Int32Array, width: number): IntSequences {
    const rows = width === 0 ? 0 : data.length / width;
    if (!Number.isInteger(rows)) throw new Error(`IntSequences.fixed: ${data.length} values do not make rows of ${width}`);
    return new IntSequences(data, Int32Array.from({ length: rows + 1 }, (_, i) => i * width));
  }

  static fromRows(rows: ArrayLike<ArrayLike<number>>): IntSequences {
    const offsets = new Int32Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + rows[i].length;
    const data = new Int32Array(offsets[rows.length]);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const o = offsets[i];
      if (r instanceof Int32Array) data.set(r, o);
      else for (let j = 0; j < r.length; j++) data[o + j] = r[j];
    }
    return new IntSequences(data, offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  row(i: number): Int32Array {
    return this.data.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  rows(): Int32Array[] {
    return Array.from({ length: this.length }, (_, i) => this.row(i));
  }

  /** The common row length, or null when rows differ in length. */
  fixedWidth(): number | null {
    if (this.length === 0) return 0;
    const w = this.offsets[1];
    for (let i = 1; i <= this.length; i++) if (this.offsets[i] !== i * w) return null;
    return w;
  }

  gather(indices: ArrayLike<number>): IntSequences {
    const offsets = new Int32Array(indices.length + 1);
    for (let j = 0; j < indices.length; j++) offsets[j + 1] = offsets[j] + (this.offsets[indices[j] + 1] - this.offsets[indices[j]]);
    const data = new Int32Array(offsets[indices.length]);
    for (let j = 0; j < indices.length; j++) data.set(this.row(indices[j]), offsets[j]);
    return new IntSequences(data, offsets);
  }
}

export type Column = string[] | Int32Array | Float32Array | IntSequences;
export type ColumnType = "string" | "int32" | "float32" | "int32_sequence";

export function columnType(c: Column): ColumnType {
  if (c instanceof IntSequences) return "int32_sequence";
  if (c instanceof Int32Array) return "int32";
  if (c instanceof Float32Array) return "float32";
  return "string";
}

export function gatherColumn(c: Column, indices: ArrayLike<number>): Column {
  if (c instanceof IntSequences) return c.gather(indices);
  if (c instanceof Int32Array || c instanceof Float32Array) {
    const out = c instanceof Int32Array ? new Int32Array(indices.length) : new Float32Array(indices.length);
    for (let j = 0; j < indices.length; j++) out[j] = c[indices[j]];
    return out;
  }
  return Array.from({ length: indices.length }, (_, j) => c[indices[j]]);
}

/** Values of rows [start, end) as map() hands them to a function: strings, numbers, or id arrays (views). */
export function columnValues(c: Column, start: number, end: number): Array<string | number | Int32Array> | Int32Array[] {
  if (c instanceof IntSequences) return Array.from({ length: end - start }, (_, i) => c.row(start + i));
  if (c instanceof Int32Array || c instanceof Float32Array) return Array.from(c.subarray(start, end));
  return c.slice(start, end);
}

/** Concatenates batches of the same column type (map's per-batch results). */
export function concatColumns(parts: Column[], name: string): Column {
  if (parts.length === 0) return [];
  const type = columnType(parts[0]);
  for (const p of parts) if (columnType(p) !== type) throw new Error(`map: column "${name}" is ${type} in one batch and ${columnType(p)} in another`);
  if (type === "string") return ([] as string[]).concat(...(parts as string[][]));
  if (type === "int32_sequence") {
    const seqs = parts as IntSequences[];
    const total = seqs.reduce((n, s) => n + s.data.length, 0);
    const rows = seqs.reduce((n, s) => n + s.length, 0);
    const data = new Int32Array(total);
    const offsets = new Int32Array(rows + 1);
    let d = 0;
    let r = 0;
    for (const s of seqs) {
      data.set(s.data, d);
      for (let i = 1; i <= s.length; i++) offsets[r + i] = d + s.offsets[i];
      d += s.data.length;
      r += s.length;
    }
    return new IntSequences(data, offsets);
  }
  const out = type === "int32" ? new Int32Array(parts.reduce((n, p) => n + p.length, 0)) : new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts as Array<Int32Array | Float32Array>) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A map() result value as a column: strings, integers (→ int32), other numbers (→ float32), or id arrays. */
export function toColumn(values: unknown, name: string): Column {
  if (values instanceof IntSequences || values instanceof Int32Array || values instanceof Float32Array) return values;
  if (!Array.isArray(values)) {
    throw new Error(`map: the function returned ${name} = ${describe(values)}; with batched: true each returned column must be an array with one value per row`);
  }
  if (values.length === 0) return [];
  const first = values[0];
  if (typeof first === "string") {
    values.forEach((v, i) => {
      if (typeof v !== "string") throw new Error(`map: column "${name}" mixes strings and ${describe(v)} (row ${i})`);
    });
    return values as string[];
  }
  if (typeof first === "number" || typeof first === "bigint" || typeof first === "boolean") {
    const nums = values.map((v, i) => {
      if (typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean") throw new Error(`map: column "${name}" mixes numbers and ${describe(v)} (row ${i})`);
      return Number(v);
    });
    return nums.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) ? Int32Array.from(nums) : Float32Array.from(nums);
  }
  if (ArrayBuffer.isView(first) || Array.isArray(first)) {
    values.forEach((v, i) => {
      if (!ArrayBuffer.isView(v) && !Array.isArray(v)) throw new Error(`map: column "${name}" mixes id arrays and ${describe(v)} (row ${i})`);
      const arr = v as ArrayLike<unknown>;
      for (let j = 0; j < arr.length; j++) {
        const x = arr[j];
        if (typeof x !== "number" || !Number.isInteger(x)) throw new Error(`map: column "${name}" row ${i} holds ${describe(x)}; sequence columns hold integer ids`);
      }
    });
    return IntSequences.fromRows(values as Array<ArrayLike<number>>);
  }
  throw new Error(`map: column "${name}" holds ${describe(first)}; supported values are strings, numbers and arrays of integer ids`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Object && v.constructor && v.constructor !== Object) return `a ${v.constructor.name}`;
  return typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : typeof v;
}
