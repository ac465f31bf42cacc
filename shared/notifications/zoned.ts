/**
 * Local dates and hours in a user's IANA time zone, from `Intl` (no library: two small
 * questions). Unknown zones read as UTC, so a bad stored value never stops the digest.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      f = format("UTC");
    }
    formats.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `t`: date `YYYY-MM-DD`, hour 0–23, and its offset from UTC (ms). */
export function wallClock(zone: string, t: number): { date: string; hour: number; offsetMs: number } {
  const parts = Object.fromEntries(
    format(zone)
      .formatToParts(new Date(t))
      .map((p) => [p.type, p.value]),
  );
  const [y, mo, d, h, mi, s] = ["year", "month", "day", "hour", "minute", "second"].map((k) => Number(parts[k]));
  const asUtc = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: h ?? 0,
    offsetMs: asUtc - (t - (t % 1000)),
  };
}

/** Epoch ms of local midnight starting `day` (`YYYY-MM-DD`) in `zone` (DST-safe). */
function localMidnight(day: string, zone: string): number {
  const naive = Date.parse(`${day}T00:00:00Z`);
  // The offset at the guess, then at the corrected instant (they differ across a DST change).
  const first = naive - wallClock(zone, naive).offsetMs;
  return naive - wallClock(zone, first).offsetMs;
}

/** The calendar date `days` after `day` (`YYYY-MM-DD`; negative goes back). */
const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 24 * 3600_000).toISOString().slice(0, 10);

/** `[start, end)` of the local day `day` in `zone`, in epoch ms (23 or 25 hours on DST days). */
export function zonedDayRange(day: string, zone: string): [number, number] {
  return [localMidnight(day, zone), localMidnight(addDays(day, 1), zone)];
}

/** The local date before the one `t` falls on in `zone`. */
export function localYesterday(zone: string, t: number): string {
  return addDays(wallClock(zone, t).date, -1);
}
