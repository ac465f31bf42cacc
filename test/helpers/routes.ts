/**
 * What the mail-route tests share: a route's settings as an admin would save them (the defaults
 * of the admin form), and a domain of its own per test, so no route one test writes reaches the
 * mail of another.
 */
export const ROUTE = {
  name: "Sales",
  workflow: "analyse" as const,
  reviewPolicy: "default" as const,
  assigneeId: "",
  ackLocale: "en" as const,
  ackText: "",
  enabled: true,
};

/** A domain no other test uses. */
export const uniqueDomain = (name: string) => `${name}-${crypto.randomUUID().slice(0, 6)}.localhost`;
