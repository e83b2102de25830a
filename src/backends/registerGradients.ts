// Registers the project's faster gradient functions (./gradients) with TensorFlow.js when first imported.
// Written as a declaration rather than a bare call statement: tslab's TypeScript 5.0.4 crashes in declaration
// emit on a top-level expression statement in a module that uses a namespace import.
import * as tfjs from "@tensorflow/tfjs";
import { registerFastGradients } from "./gradients";

export const fastGradientsRegistered: true = registerFastGradients(tfjs);
