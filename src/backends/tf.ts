// The single TensorFlow.js instance used by the whole project. Import `tf` from here, never from
// "@tensorflow/tfjs" directly, so tensors built by callers are accepted by the model.
// `tf` is tfjs-core's namespace (tensors, ops, tidy, memory, the kernel and gradient registries: everything this
// project's API takes or gives). The full @tensorflow/tfjs, which registers the gradient functions training needs
// and the cpu backend, is loaded by ./registerGradients, which also registers the faster gather / matMul
// gradients of ./gradients for every backend. Naming tfjs-core here keeps layers, data and converter out of the
// declarations that tslab parses at each notebook's first import (0.93 → 0.61 s for that cell, measured here);
// both modules share one engine, so tensors are interchangeable.
//
// Keep this file free of statements other than imports/exports: tslab's TypeScript 5.0.4 crashes in
// declaration emit ("Cannot read properties of undefined (reading 'parent')") when a notebook imports a
// namespace re-export from a module that also runs code. The side effect lives in ./registerGradients.
import "./registerGradients";

export * as tf from "@tensorflow/tfjs-core";

/**
 * Types only: names tfjs-core's module of chained methods (x.add(y), x.reshape(...)), so that the declarations
 * bring those methods along, as @tensorflow/tfjs's own index does with a runtime import (the runtime side is
 * done by @tensorflow/tfjs in ./registerGradients; tfjs-core's deep paths are ES modules that require() cannot load).
 */
export type TfChainedOps = typeof import("@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops");
