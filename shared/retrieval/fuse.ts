/**
 * Reciprocal rank fusion (Cormack et al., 2009): several rankings of the same passages made
 * into one, each passage scored Σ 1 / (k + rank) over the rankings it appears in (rank from 1).
 * It needs no comparable scores, which BM25 and cosine similarity are not; k = 60 as in the
 * paper. Pure: the hybrid backend uses it, a Node test proves it.
 */
import type { RetrievedPassage } from "./types";

export const RRF_K = 60;

/** The rankings fused, best first; a passage keeps the fields of its first appearance. */
export function fuseRankings(rankings: readonly RetrievedPassage[][], k = RRF_K): RetrievedPassage[] {
  const fused = new Map<string, { passage: RetrievedPassage; score: number; best: number }>();
  for (const ranking of rankings) {
    ranking.forEach((passage, i) => {
      const entry = fused.get(passage.id);
      const add = 1 / (k + i + 1);
      if (entry) {
        entry.score += add;
        entry.best = Math.min(entry.best, i);
      } else fused.set(passage.id, { passage, score: add, best: i });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.passage.id.localeCompare(b.passage.id))
    .map((e) => ({ ...e.passage, score: Math.round(e.score * 1e6) / 1e6 }));
}
