// The single TensorFlow.js instance used by the whole project. Import `tf` from here, never from
// "@tensorflow/tfjs" directly, so tensors built by callers are accepted by the model.
// @tensorflow/tfjs (not tfjs-core alone) registers the gradient functions training needs.
import * as tf from "@tensorflow/tfjs";

export { tf };
