// The safetensors reader/writer (Hugging Face's tensor file format), used for model checkpoints.
export * from "./dtypes";
export * from "./read";
export * from "./write";
