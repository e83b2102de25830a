// The single TensorFlow.js instance used by the whole project. Import `tf` from here, never from
// "@tensorflow/tfjs" directly, so tensors built by callers are accepted by the model.
// @tensorflow/tfjs (not tfjs-core alone) registers the gradient functions training needs; importing this
// module also registers the faster gather / matMul gradients of ./gradients for every backend.
//
// Keep this file free of statements other than imports/exports: tslab's TypeScript 5.0.4 crashes in
// declaration emit ("Cannot read properties of undefined (reading 'parent')") when a notebook imports a
// namespace re-export from a module that also runs code. The side effect lives in ./registerGradients.
import "./registerGradients";

export * as tf from "@tensorflow/tfjs";
