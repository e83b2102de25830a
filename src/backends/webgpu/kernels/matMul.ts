// BertImdbMatMul on webgpu: the linear layers' products through the project's tiled programs
// (../programs/matmul.ts) where they were measured faster than tfjs's matMul, else through tfjs's matMul (the
// composed kernel of src/models/ops.ts):
//   - products with both output sides ≥ 64 (smaller ones stay with tfjs's kernels);
//   - the vec4 program wherever the sizes allow it (K and N divisible by 4, and M when A is stored [K, M]) and
//     the matMulVariant option is "vec4" (the default) — the linear layer's forward x·Wᵀ and its two gradient
//     products dy·W and dyᵀ·x;
//   - else the scalar program for the forward form x·Wᵀ only: for the gradient forms it was slower than tfjs's
//     matMul on an H100.
// The tile (128×128 where there are enough such tiles to fill the GPU, else 64×64) and the K step follow the
// matMulTile and matMulBk options. With attribute activation "gelu" GELU is applied as the product is stored.
import { tf } from "../../tf";
import { composed, MATMUL_KERNEL, type MatMulAttrs } from "../../../models/ops";
import { kernelOptionsView } from "../options";
import { ProductForm, productSizes, TiledMatMulProgram, Vec4MatMulProgram, vec4Fits } from "../programs/matmul";
import { asTensor, i32, KernelArgs, KernelResult, TensorInfoLike, WebGPUKernelBackend, webgpuKernel } from "../program";

const WHAT = "tiled matMul (webgpu)";

/** Smallest output side worth a tile of the project's programs; smaller products stay with tfjs's kernels. */
const MIN_SIDE = 64;

/** The kernel's fallback: tfjs's matMul with transpose flags (and the GELU kernel for the activation). */
const viaTfjs = composed.matMul(false);

/** While matMulTiled runs the kernel: the scalar program for every form, not only x·Wᵀ. */
let everyForm = false;

/** Which program takes op(a)·op(b) under the options in effect, or null for tfjs's matMul. */
function programFor(a: TensorInfoLike, b: TensorInfoLike, transposeA: boolean, transposeB: boolean): "vec4" | "scalar" | null {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== "float32" || b.dtype !== "float32") return null;
  const { m, k, n } = productSizes(a.shape, b.shape, transposeA, transposeB);
  if (m < MIN_SIDE || n < MIN_SIDE) return null;
  if (kernelOptionsView().matMulVariant === "vec4" && vec4Fits(m, k, n, transposeA)) return "vec4";
  return everyForm || (!transposeA && transposeB) ? "scalar" : null;
}

/** Runs op(a)·op(b) (+ bias, GELU) through the given program, with the tile and K step the options ask for. */
function runMatMulProgram(backend: WebGPUKernelBackend, program: "vec4" | "scalar", a: TensorInfoLike, b: TensorInfoLike, attrs: MatMulAttrs, bias?: TensorInfoLike): TensorInfoLike {
  const { transposeA, transposeB } = attrs;
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${WHAT}: a and b must be rank-2 tensors`);
  if (a.dtype !== "float32" || b.dtype !== "float32") throw new Error(`${WHAT}: a and b must be float32`);
  const { m, k, kb, n } = productSizes(a.shape, b.shape, transposeA, transposeB);
  if (k !== kb) throw new Error(`${WHAT}: inner sizes differ (${k} vs ${kb})`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n)) throw new Error(`${WHAT}: bias must be [${n}]`);
  if (program === "vec4" && !vec4Fits(m, k, n, transposeA)) throw new Error(`${WHAT}: the vec4 program needs K and N (and M when A is transposed) divisible by 4`);
  const o = kernelOptionsView();
  // 128×128 tiles give each thread the most work, but only when there are enough of them to fill the GPU
  // (bert-base: 2,048 tokens × 768 outputs makes 96 such tiles on an H100's 132 SMs); else 64×64.
  const tile = o.matMulTile !== "auto" ? o.matMulTile : Math.ceil(m / 128) * Math.ceil(n / 128) >= 256 ? 128 : 64;
  const form: ProductForm = { transposeA, transposeB, hasBias: !!bias, gelu: attrs.activation === "gelu", tile, bk: o.matMulBk };
  const p = program === "vec4" ? new Vec4MatMulProgram(m, n, form) : new TiledMatMulProgram(m, n, form);
  return backend.runWebGPUProgram(p, bias ? [a, b, bias] : [a, b], "float32", [i32(m), i32(n), i32(k)]);
}

function matMul(args: KernelArgs): KernelResult {
  const { a, b, bias } = args.inputs;
  if (!a || !b) throw new Error(`${WHAT}: inputs a and b are required`);
  const attrs = args.attrs as unknown as MatMulAttrs;
  const program = programFor(a, b, attrs.transposeA, attrs.transposeB);
  if (!program) return viaTfjs(asTensor(a, WHAT), asTensor(b, WHAT), attrs, bias ? asTensor(bias, WHAT) : undefined);
  return runMatMulProgram(args.backend as WebGPUKernelBackend, program, a, b, attrs, bias);
}

export const matMulConfig = webgpuKernel(MATMUL_KERNEL, matMul);

/**
 * op(a)·op(b) (+ bias, GELU) through the project's tiled programs on the active webgpu backend, whatever the
 * kernel would choose for the form: the BertImdbMatMul kernel with the scalar program allowed for every form
 * (the vec4 program where the matMulVariant option is "vec4" and the sizes allow it, else the scalar one). No
 * gradient. Null off webgpu, for operands that are not rank-2 float32, and for output sides below 64. For the
 * kernel checks (test/webgpuGolden.ts) and the matMul sweep (bench/gpu), whose GPU times tf.profile records
 * under the kernel's name.
 */
export function matMulTiled(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false, bias?: tf.Tensor, activation: MatMulAttrs["activation"] = "linear"): tf.Tensor | null {
  if (tf.getBackend() !== "webgpu" || !tf.getKernel(MATMUL_KERNEL, "webgpu") || a.rank !== 2 || b.rank !== 2 || a.dtype !== "float32" || b.dtype !== "float32") return null;
  const { m, n } = productSizes(a.shape, b.shape, transposeA, transposeB);
  if (m < MIN_SIDE || n < MIN_SIDE) return null;
  everyForm = true;
  try {
    return tf.engine().runKernel(MATMUL_KERNEL, bias ? { a, b, bias } : { a, b }, { transposeA, transposeB, activation } satisfies MatMulAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  } finally {
    everyForm = false;
  }
}
