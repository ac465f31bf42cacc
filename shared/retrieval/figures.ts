/**
 * Figures: the prices and durations customers ask for most ("how much", "how long", "kolik
 * stojí", "jak dlouho"), and the text that states one ("€149", "390 Kč", "4–8 weeks",
 * "5 pracovních dnů"). Retrieval prefers a passage stating the kind of figure a request asks
 * for (`index.ts`), and the offline answer quotes such a sentence first
 * (`shared/ai/answer-choice.ts`). English and Czech, word-bounded so "whenever" or "platform"
 * asks for nothing. Pure regular expressions, linear in the text.
 */

/** Text stating a price or a share: a currency sign or code, or `%`. */
export const STATES_MONEY = /(€|(^|[^\p{L}])(EUR|Kč|CZK|USD)([^\p{L}]|$)|\$|%)/iu;

/**
 * Text stating a duration: a number followed (maybe after one word) by a unit of time. A rate
 * ("€95 per hour", "390 € za hodinu", "€49 a month") is a price, not a duration.
 */
export const STATES_DURATION =
  /\d[\s-]*(?:(?!(?:per|a|an|za|každ\p{L}*)\s)\p{L}+\s+)?(days?|weeks?|months?|hours?|years?|minutes?|dn[íůy]|den|týdn\p{L}*|týden|měsíc\p{L}*|hodin\p{L}*|minut\p{L}*|let|roky?)([^\p{L}]|$)/iu;

/** A question or need asking what something costs. */
export const ASKS_MONEY =
  /(^|[^\p{L}])(how much|costs?|costing|prices?|pricing|fees?|budget|pay|paid|charged?|cen(?:a|y|u|ě|ou|ík\p{L}*)|stoj\p{L}*|stál\p{L}*|stát|rozpočt?\p{L}*|poplat\p{L}*|zaplat\p{L}*|plat(?:í|ím|íme|it|ba|by|bu))([^\p{L}]|$)/iu;

/** A question or need asking how long something takes or when. */
export const ASKS_DURATION =
  /(^|[^\p{L}])(how long|how soon|how fast|how quickly|when|jak dlouho|jak rychle|kdy|za jak dlouho)([^\p{L}]|$)/iu;

/** A question asking how many or how big: any number answers it. */
export const ASKS_COUNT =
  /(^|[^\p{L}])(how many|how big|how large|how much data|at most|kolik(?!\s+(?:stoj|stál|bud|to\s+stoj))|jak velk\p{L}*|maximáln\p{L}*)([^\p{L}]|$)/iu;

/** Text stating a count or a size: a number. */
export const STATES_COUNT = /\d/u;

/** Which kinds of figure a text asks for. */
export function figuresAsked(text: string): { money: boolean; duration: boolean } {
  return { money: ASKS_MONEY.test(text), duration: ASKS_DURATION.test(text) };
}
