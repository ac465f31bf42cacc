/**
 * Picks the best of `offered` media types for an `Accept` header (RFC 9110 §12.5.1): highest
 * q wins, then the more specific range, then the server's order. No header, or a header that
 * only names other types but allows `*\/*`, gets the first offer. Returns null when nothing
 * offered is acceptable (answer 406).
 */
export function negotiate<T extends string>(accept: string | null | undefined, offered: readonly T[]): T | null {
  if (!accept || accept.trim() === "") return offered[0] ?? null;
  const ranges = accept.split(",").map((part) => {
    const [range = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    return { range: range.trim(), q: Number.isFinite(q) ? q : 0 };
  });
  let best: { type: T; q: number; specificity: number; order: number } | null = null;
  offered.forEach((type, order) => {
    const [major] = type.split("/");
    let match: { q: number; specificity: number } | null = null;
    for (const r of ranges) {
      const specificity = r.range === type ? 3 : r.range === `${major}/*` ? 2 : r.range === "*/*" ? 1 : 0;
      if (specificity > 0 && (!match || specificity > match.specificity)) match = { q: r.q, specificity };
    }
    if (!match || match.q <= 0) return;
    if (
      !best ||
      match.q > best.q ||
      (match.q === best.q && match.specificity > best.specificity) ||
      (match.q === best.q && match.specificity === best.specificity && order < best.order)
    ) {
      best = { type, q: match.q, specificity: match.specificity, order };
    }
  });
  return (best as { type: T } | null)?.type ?? null;
}
