/**
 * The shapes of retrieval: the passages of the company's own site that bear on a request, as
 * the `retrieve` step stores them, the `analyse` step answers from them, and the result's
 * sources cite them.
 */

/** One passage of a content page: the text under one `##`/`###` heading, or the page's opening. */
export interface RetrievedPassage {
  /** Stable id: `<locale>:<slug>#<anchor>` (anchor empty for the opening before the first heading). */
  id: string;
  locale: string;
  /** The page's title. */
  title: string;
  /** The section's heading text, or null for the page's opening. */
  section: string | null;
  /** Site-relative URL with the section's anchor: `/services/web/#pricing` (none for the opening). */
  url: string;
  /** The passage's markdown text, bounded in length. */
  text: string;
  /** Relevance, higher is better; comparable only within one retrieval. */
  score: number;
}

/** The `retrieve` step's output, stored in the job so a retried `analyse` reuses it. */
export interface Retrieval {
  /** The query the passages were found with. */
  query: string;
  passages: RetrievedPassage[];
}

/** A source as the API, the portal and the emailed result show it: one cited passage. */
export interface Source {
  /** Its number in the answer's citations, `[n]`, from 1. */
  n: number;
  title: string;
  section: string | null;
  /** Absolute URL: `PUBLIC_BASE_URL` + the passage's URL. */
  url: string;
  locale: string;
  score: number;
}
