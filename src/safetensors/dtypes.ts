// Element types of the safetensors format and conversions between their raw bytes and JavaScript typed
// arrays (F16 and BF16 widen to Float32Array, I64 narrows to Int32Array when every value fits).

export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Typed array a tensor is decoded into: float types become float32, integer types int32, U8/BOOL stay bytes. */
export type DecodedArray = Float32Array | Int32Array | Uint8Array;

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

/** IEEE half precision (binary16) to float, exactly (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | null = null;
function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = halfToFloat(i);
  }
  return halfTable;
}

/** Float to IEEE half, rounding to nearest even (overflow becomes infinity). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half += 1;
  return sign | half;
}

/**
 * Decodes `bytes` (little-endian, as stored in the file) of `count` elements of `dtype`.
 * F32, I32 and U8/BOOL results are views sharing `bytes`' memory when it is 8-byte aligned.
 * `name` is only used in error messages.
 */
export function decodeTensorBytes(bytes: Uint8Array, dtype: SafetensorsDtype, count: number, name: string): DecodedArray {
  const expected = count * DTYPE_BYTES[dtype];
  if (bytes.byteLength !== expected) {
    throw new Error(`safetensors tensor "${name}": ${bytes.byteLength} bytes for ${count} ${dtype} elements (expected ${expected}); the file is corrupt or truncated`);
  }
  // Copy into an aligned buffer so typed-array views are legal whatever the offset inside the file.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  switch (dtype) {
    case "F32":
      return new Float32Array(aligned.buffer, aligned.byteOffset, count);
    case "F64": {
      const src = new Float64Array(aligned.buffer, aligned.byteOffset, count);
      return Float32Array.from(src);
    }
    case "F16": {
      const table = halfLookup();
      const src = new Uint16Array(aligned.buffer, aligned.byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[src[i]];
      return out;
    }
    case "BF16": {
      const src = new Uint16Array(aligned.buffer, aligned.byteOffset, count);
      const out = new Float32Array(count);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) outBits[i] = src[i] << 16;
      return out;
    }
    case "I32":
      return new Int32Array(aligned.buffer, aligned.byteOffset, count);
    case "I64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new Error(`safetensors tensor "${name}": I64 value ${v} does not fit in int32 (TensorFlow.js has no int64)`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case "I16":
      return Int32Array.from(new Int16Array(aligned.buffer, aligned.byteOffset, count));
    case "I8":
      return Int32Array.from(new Int8Array(aligned.buffer, aligned.byteOffset, count));
    case "U8":
    case "BOOL":
      return aligned;
  }
}

/** Encodes a typed array as the bytes of `dtype` (F32/F16/BF16 from floats, I32/I64 from integers). */
export function encodeTensorBytes(data: Float32Array | Int32Array | Uint8Array, dtype: SafetensorsDtype): Uint8Array {
  const n = data.length;
  switch (dtype) {
    case "F32": {
      const f = data instanceof Float32Array ? data : Float32Array.from(data);
      return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    }
    case "I32": {
      const a = data instanceof Int32Array ? data : Int32Array.from(data);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case "F16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToHalf(data[i]);
      return new Uint8Array(out.buffer);
    }
    case "BF16": {
      const f = Float32Array.from(data);
      const bits = new Uint32Array(f.buffer);
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const b = bits[i];
        if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff)) {
          out[i] = (b >>> 16) | 0x40; // keep NaN a NaN
        } else {
          out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16; // round to nearest even
        }
      }
      return new Uint8Array(out.buffer);
    }
    case "I64": {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(data[i]));
      return new Uint8Array(out.buffer);
    }
    case "U8":
    case "BOOL":
      return data instanceof Uint8Array ? data : Uint8Array.from(data);
    default:
      throw new Error(`writing safetensors dtype ${dtype} is not supported (use F32, F16, BF16, I32, I64, U8 or BOOL)`);
  }
}
