// A small synthetic, deterministic stand-in for IMDb, used only when no real copy can be reached and the caller
// allows it (the quick preset). Reviews are English-like: a few sentiment cues built from positive/negative
// phrase banks (some negated, "not boring", and about a quarter contradicting the label), neutral filler and an
// optional verdict, in shuffled order. A model can learn it, but word counting alone is not enough: negation and
// mixed cues leave room for error. Labels are exactly balanced (0 = neg, 1 = pos).
import { Rng } from "../random";
import { Dataset, IMDB_LABEL_NAMES } from "./dataset";

export interface SyntheticImdbOptions {
  trainSize: number;
  testSize: number;
  seed: number;
}

const ASPECTS = [
  "acting", "plot", "script", "direction", "soundtrack", "camera work", "dialogue", "ending", "pacing",
  "cast", "lead actress", "lead actor", "villain", "editing", "screenplay", "score", "humor", "story",
];
const POS_ADJ = [
  "wonderful", "brilliant", "superb", "excellent", "moving", "gripping", "charming", "delightful", "clever",
  "beautiful", "stunning", "memorable", "touching", "hilarious", "powerful", "refreshing", "engaging", "great",
];
const NEG_ADJ = [
  "terrible", "awful", "boring", "dull", "weak", "clumsy", "predictable", "lifeless", "dreadful", "silly",
  "forgettable", "painful", "tedious", "bland", "confusing", "lazy", "annoying", "bad",
];
const POS_PHRASES = [
  "I loved every minute of it", "it kept me on the edge of my seat", "the performances are a joy to watch",
  "it is one of the best films I have seen this year", "I laughed and cried", "it deserves every award it got",
  "the direction is confident and assured", "the characters feel real", "I was completely absorbed",
];
const NEG_PHRASES = [
  "I was bored within ten minutes", "it is a waste of two hours", "the performances are hard to sit through",
  "it is one of the worst films I have seen this year", "I kept checking my watch", "it deserves to be forgotten",
  "the direction is aimless", "the characters feel like cardboard", "I nearly walked out",
];
const POS_VERDICTS = ["Highly recommended.", "A must-see.", "Well worth your time.", "I would happily watch it again.", "Ten out of ten."];
const NEG_VERDICTS = ["Avoid it.", "Skip this one.", "Not worth your time.", "I want those two hours back.", "Two out of ten."];
const ROLES = ["a retired detective", "a young teacher", "two sisters", "a small-town mayor", "a soldier", "a family", "a jazz pianist", "an astronaut"];
const PLACES = ["a small town", "New York", "the desert", "a space station", "Paris", "a fishing village", "a boarding school", "the suburbs"];
const FILLERS = [
  "I watched this on a rainy Sunday afternoon.", "The film runs a little under two hours.", "It is based on a novel I have not read.",
  "A friend lent me the DVD.", "I saw it in a small theater downtown.", "It was shown on television last week.",
  "The director also made a couple of earlier films.", "Most of it was shot on location.", "There is a short scene after the credits.",
  "I went in knowing nothing about it.", "It came out the same year as several other dramas.", "The trailer gives away a few scenes.",
];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One sentiment cue of polarity `pos` (true = positive), possibly expressed as a negated opposite. */
function cue(rng: Rng, pos: boolean): string {
  const negated = rng.next() < 0.25;
  const adjPositive = negated ? !pos : pos;
  const adj = pick(rng, adjPositive ? POS_ADJ : NEG_ADJ);
  const aspect = pick(rng, ASPECTS);
  if (negated) {
    switch (rng.int(3)) {
      case 0:
        return `The ${aspect} was not ${adj} at all.`;
      case 1:
        return `I would not call the ${aspect} ${adj}.`;
      default:
        return `Nobody could say the ${aspect} is ${adj}.`;
    }
  }
  switch (rng.int(4)) {
    case 0:
      return `The ${aspect} was ${adj}.`;
    case 1:
      return `${capitalize(adj)} ${aspect}, all in all.`; // reads right for mass and count nouns alike
    case 2:
      return `${capitalize(pick(rng, pos ? POS_PHRASES : NEG_PHRASES))}.`;
    default:
      return `The ${aspect} is really ${adj}, and ${pick(rng, pos ? POS_PHRASES : NEG_PHRASES)}.`;
  }
}

function filler(rng: Rng): string {
  return rng.next() < 0.3 ? `The story follows ${pick(rng, ROLES)} in ${pick(rng, PLACES)}.` : pick(rng, FILLERS);
}

/** One review of label `y` (0 = neg, 1 = pos). */
export function syntheticReview(rng: Rng, y: number): string {
  const pos = y === 1;
  const sentences: string[] = [];
  const nCues = 2 + rng.int(4);
  for (let i = 0; i < nCues; i++) sentences.push(cue(rng, rng.next() < 0.75 ? pos : !pos));
  const nFill = 1 + rng.int(4);
  for (let i = 0; i < nFill; i++) sentences.push(filler(rng));
  rng.shuffle(sentences);
  if (rng.next() < 0.5) sentences.push(pick(rng, (rng.next() < 0.85 ? pos : !pos) ? POS_VERDICTS : NEG_VERDICTS));
  let out = sentences[0];
  for (let i = 1; i < sentences.length; i++) out += (rng.next() < 0.15 ? "<br /><br />" : " ") + sentences[i];
  return out;
}

function syntheticSplit(n: number, seed: number, split: string): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new Error(`syntheticImdb: ${split} size must be a non-negative integer, got ${n}.`);
  const rng = new Rng(seed);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = i < Math.ceil(n / 2) ? 0 : 1;
  rng.shuffle(label);
  const text = new Array<string>(n);
  for (let i = 0; i < n; i++) text[i] = syntheticReview(rng, label[i]);
  return new Dataset({ text, label }, { labelNames: IMDB_LABEL_NAMES, split });
}

/** Deterministic synthetic labelled reviews: `{ train, test }` with balanced labels (train and test use separate streams). */
export function syntheticImdb(opts: SyntheticImdbOptions): { train: Dataset; test: Dataset } {
  return {
    train: syntheticSplit(opts.trainSize, opts.seed, "train"),
    test: syntheticSplit(opts.testSize, opts.seed + 0x5eed, "test"),
  };
}
