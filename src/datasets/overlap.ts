// Counting rows shared by two subsets of the same source split: by source row (Dataset.sourceIndices) and by
// text (IMDb itself contains some duplicate reviews, so a disjoint split can still share a few texts).

export interface OverlapSource {
  sourceIndices: Int32Array;
  text: string[];
}

export interface Overlap {
  /** Rows of `b` whose source row also appears in `a`. */
  byIndex: number;
  /** Rows of `b` whose exact text also appears in `a`. */
  byText: number;
  /** Share of `b`'s rows found in `a` by source row. */
  fractionOfB: number;
}

export function overlap(a: OverlapSource, b: OverlapSource): Overlap {
  const ids = new Set<number>();
  for (let i = 0; i < a.sourceIndices.length; i++) ids.add(a.sourceIndices[i]);
  const texts = new Set(a.text);
  let byIndex = 0;
  let byText = 0;
  for (let i = 0; i < b.sourceIndices.length; i++) {
    if (ids.has(b.sourceIndices[i])) byIndex += 1;
    if (texts.has(b.text[i])) byText += 1;
  }
  return { byIndex, byText, fractionOfB: b.sourceIndices.length ? byIndex / b.sourceIndices.length : 0 };
}
