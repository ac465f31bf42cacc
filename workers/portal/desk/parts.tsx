/**
 * Small pieces the desk's pages share: its stylesheet and script (files, as the portal's CSP
 * forbids inline ones), a desk status's label, and a time shown as how long ago it was.
 */
import type { DeskStatus } from "../../../shared/db/schema";
import { DESK_ASSET_VERSION } from "./assets";

const LABELS: Record<DeskStatus, string> = {
  new: "new",
  open: "open",
  waiting: "waiting on customer",
  resolved: "resolved",
};

export const deskStatusLabel = (status: DeskStatus) => LABELS[status];

/** The desk's stylesheet and script; in the body (the layout's head is the portal's). */
export const DeskAssets = () => (
  <>
    <link rel="stylesheet" href={`/app/desk/assets/desk.${DESK_ASSET_VERSION}.css`} />
    <script src={`/app/desk/assets/desk.${DESK_ASSET_VERSION}.js`} defer />
  </>
);

/** How long ago `ms` was, roughly ("5 min", "3 h", "2 d"). */
export function agoText(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** A time as "3 h ago", with the exact time in the viewer's zone as its title. */
export function Ago(props: { ms: number; now: number; zone?: string }) {
  const date = new Date(props.ms);
  let exact: string;
  try {
    exact = date.toLocaleString("en-GB", { timeZone: props.zone ?? "UTC", dateStyle: "medium", timeStyle: "short" });
  } catch {
    exact = date.toISOString();
  }
  const text = agoText(props.ms, props.now);
  return (
    <time datetime={date.toISOString()} title={exact}>
      {text === "just now" ? text : `${text} ago`}
    </time>
  );
}
