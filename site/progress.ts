/**
 * The progress bar a build draws on a terminal while it renders (stderr, at most every 80 ms;
 * nothing when stderr is not a TTY, with `--quiet`, or when nothing is rendered).
 */

/** Counts rendered pages and redraws the bar. */
export class Progress {
  readonly #total: number;
  readonly #enabled: boolean;
  #done = 0;
  #last = 0;
  /** `total`: pages to render; `enabled`: drawing wanted (not `--quiet`). */
  constructor(total: number, enabled: boolean) {
    this.#total = total;
    this.#enabled = enabled && Boolean(process.stderr.isTTY) && total > 0;
  }
  /** `n` more pages are done. */
  tick(n: number) {
    this.#done += n;
    const now = performance.now();
    if (!this.#enabled || (now - this.#last < 80 && this.#done < this.#total)) return;
    this.#last = now;
    const width = 30;
    const filled = Math.round((this.#done / this.#total) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.#done}/${this.#total} pages`);
  }
  /** Ends the bar's line. */
  end() {
    if (this.#enabled) process.stderr.write("\n");
  }
}
