// A faithful simulation of the validation split in the Python tutorial this project ports. It calls
// train_test_split twice without a seed and keeps "train" from the first call and "test" from the second:
//   train = ds.train_test_split(test_size=0.1)["train"]
//   eval  = ds.train_test_split(test_size=0.1)["test"]
// Each unseeded call shuffles differently, so about 90 % of the evaluation rows were also trained on.
import { randomInt } from "node:crypto";
import type { Dataset } from "./dataset";
import { overlap, Overlap } from "./overlap";

export interface PythonTutorialSplitResult {
  train: Dataset;
  eval: Dataset;
  /** The two seeds that stood in for "unseeded" (fresh OS randomness unless given). */
  seeds: [number, number];
  /** Evaluation rows that are also training rows. */
  overlap: Overlap;
}

export function pythonTutorialSplit(dataset: Dataset, opts: { testSize?: number; seeds?: [number, number] } = {}): PythonTutorialSplitResult {
  const testSize = opts.testSize ?? 0.1;
  let seeds = opts.seeds;
  if (!seeds) {
    const a = randomInt(2 ** 31);
    let b = randomInt(2 ** 31);
    while (b === a) b = randomInt(2 ** 31);
    seeds = [a, b];
  }
  if (seeds[0] === seeds[1]) throw new Error("pythonTutorialSplit simulates two unseeded calls: give two different seeds.");
  const train = dataset.trainTestSplit({ testSize, seed: seeds[0] }).train;
  const evalSet = dataset.trainTestSplit({ testSize, seed: seeds[1] }).test;
  return { train, eval: evalSet, seeds, overlap: overlap(train, evalSet) };
}
