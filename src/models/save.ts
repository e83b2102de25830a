// Saving the fine-tuned model folder (Python transformers / transformers.js layout), checking and listing it.
export { saveFineTuned, type SaveFineTunedOptions, type SaveableModel, type SaveableTokenizer } from "./saveFineTuned";
export { verifySaved, SavedModelError, SAVED_FILES, type SavedReport } from "./verifySaved";
export { listSaved, formatBytes, type SavedFileInfo } from "./listSaved";
export { fineTunedConfig, IMDB_ID2LABEL, TRANSFORMERS_FORMAT_VERSION } from "./fineTunedConfig";
export { completeTokenizerFiles, BERT_SPECIAL_TOKENS } from "./tokenizerFiles";
export { readBertShape, bertClassifierParameterShapes, numLabelsOf, type BertClassifierShape } from "./bertLayout";
export { checkWithPythonTransformers, checkOnnxWithPython, findTransformersPython, runPythonScript, runPythonScriptAsync, runPythonScriptJson, pythonScript, HF_PYTHON_VENV, type PythonCheckResult, type PythonOnnxCheck } from "./pythonTransformers";
