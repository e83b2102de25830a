// Sums of squares as programs (kernels/sumOfSquares.ts, sumOfSquaresMany.ts): up to 256 workgroups each
// reduce a strided share of a tensor (vec4 loads where the size allows) into a partial sum, a one-workgroup
// pass adds the partials; the many-input program reduces K tensors per dispatch, workgroup row k reducing input k.
import { WebGPUProgramLike } from "../program";

export const WORKGROUP = 256;
export const MAX_GROUPS = 256;

/** WGSL: adds every invocation's `acc` into partial[0] (a tree over the workgroup's shared array). */
const TREE_SUM = `partial[lid] = acc;
        workgroupBarrier();
        for (var s = ${WORKGROUP / 2}; s > 0; s = s >> 1u) {
          if (lid < s) {
            partial[lid] = partial[lid] + partial[lid + s];
          }
          workgroupBarrier();
        }`;

export class PartialSumProgram implements WebGPUProgramLike {
  variableNames = ["X"];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = "count : i32,";
  outputComponent = 1;
  variableComponents: number[];

  constructor(groups: number, private readonly component: number, private readonly square: boolean) {
    this.outputShape = [groups];
    this.dispatch = [groups, 1, 1];
    this.variableComponents = [component];
    this.shaderKey = `bertImdbSumSq_${component}_${square ? "sq" : "plain"}`;
  }

  getUserCode(): string {
    const term = this.component === 4 ? (this.square ? "dot(x, x)" : "(x.x + x.y + x.z + x.w)") : this.square ? "x * x" : "x";
    return `
      var<workgroup> partial : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        let stride = ${WORKGROUP} * i32(numWorkgroups.x);
        var acc = 0.0;
        for (var i = i32(workgroupId.x) * ${WORKGROUP} + lid; i < uniforms.count; i = i + stride) {
          let x = X[i];
          acc = acc + ${term};
        }
        ${TREE_SUM}
        if (lid == 0) {
          result[i32(workgroupId.x)] = partial[0];
        }
      }`;
  }
}

/**
 * Partial sums of squares of K inputs: workgroup (g, k) reduces a strided share of input k into
 * result[offset + k·G + g] (the output is a buffer shared by several such dispatches).
 */
export class ManyPartialSumsProgram implements WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  outputComponent = 1;
  variableComponents: number[];

  constructor(components: number[], private readonly groups: number) {
    const k = components.length;
    this.variableNames = components.map((_, i) => `X${i}`);
    this.variableComponents = components;
    this.outputShape = [k * groups];
    this.dispatch = [groups, k, 1];
    this.uniforms = `${components.map((_, i) => `count${i} : i32,`).join(" ")} offset : i32,`;
    this.shaderKey = `bertImdbSumSqMany_${components.join("")}_${groups}`;
  }

  getUserCode(): string {
    const branch = (c: number, i: number) => `
          if (k == ${i}) {
            for (var i = start; i < uniforms.count${i}; i = i + stride) {
              let x = X${i}[i];
              acc = acc + ${c === 4 ? "dot(x, x)" : "x * x"};
            }
          }`;
    return `
      var<workgroup> partial : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        let k = i32(workgroupId.y);
        let start = i32(workgroupId.x) * ${WORKGROUP} + lid;
        let stride = ${WORKGROUP} * ${this.groups};
        var acc = 0.0;${this.variableComponents.map(branch).join("")}
        ${TREE_SUM}
        if (lid == 0) {
          result[uniforms.offset + k * ${this.groups} + i32(workgroupId.x)] = partial[0];
        }
      }`;
  }
}
