/** Test-only bindings, added by vitest.config.ts. */
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Reads back the `.eml` the local send_email binding wrote: `GET /?messageId=`. */
    SENT_MAIL: Fetcher;
    /** An empty D1 database that backups are restored into. */
    RESTORE_DB: D1Database;
  }
}

declare module "parse-prometheus-text-format" {
  /** Parses Prometheus text exposition into metric families (the package ships no types). */
  export default function parsePrometheusTextFormat(text: string): unknown[];
}

/** Vite's `import.meta.glob` (vitest transforms it at build time). */
interface ImportMeta {
  glob<T>(pattern: string, options: { query?: string; import?: string; eager: true }): Record<string, T>;
}
