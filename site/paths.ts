/**
 * Where a source file's page lives. Kept apart from the renderer so the build's main thread
 * can plan and check links without loading marked, zod and the sanitizer.
 */
import { DEFAULT_LOCALE, LOCALES, type Locale } from "./config.ts";
import { homeOf } from "./templates.ts";

/** Locale and the locale-free key (`about.md`) of a source path. */
export function splitLocale(file: string): { locale: Locale; key: string } {
  const first = file.split("/")[0] ?? "";
  const locale = LOCALES.find((l) => l !== DEFAULT_LOCALE && l === first);
  return locale ? { locale, key: file.slice(locale.length + 1) } : { locale: DEFAULT_LOCALE, key: file };
}

/** Public URL of a source file: `cs/articles/x.md` → `/cs/articles/x/`. */
export function urlOf(file: string): string {
  const { locale, key } = splitLocale(file);
  const dir = key.replace(/(^|\/)index\.md$/, "").replace(/\.md$/, "");
  return `${homeOf(locale)}${dir ? `${dir}/` : ""}`;
}

/**
 * API slug of a locale-free key: the path without `.md` (`services/web-development`), a
 * folder's `index.md` its folder (`services`), the locale's root `index.md` `home`.
 */
export function slugOf(key: string): string {
  return key.replace(/(^|\/)index\.md$/, "").replace(/\.md$/, "") || "home";
}

/** Other-locale versions of a file: the same key under each locale's folder. */
export function alternatesOf(file: string, files: ReadonlySet<string>): Partial<Record<Locale, string>> {
  const { key } = splitLocale(file);
  const out: Partial<Record<Locale, string>> = {};
  for (const l of LOCALES) {
    const candidate = l === DEFAULT_LOCALE ? key : `${l}/${key}`;
    if (files.has(candidate)) out[l] = urlOf(candidate);
  }
  return Object.keys(out).length > 1 ? out : {};
}

/** 1-based line of the first place `href` is written in a source file (for error messages). */
export function lineOfLink(source: string, href: string): number {
  const at = source.indexOf(`(${href}`);
  const idx = at === -1 ? source.indexOf(href) : at;
  if (idx === -1) return 1;
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < idx; i = source.indexOf("\n", i + 1)) line++;
  return line;
}
