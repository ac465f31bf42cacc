/** The D1 schema: a barrel of one file per area (drizzle-kit reads it to generate migrations). */
export * from "./accounts";
export * from "./alerts";
export * from "./api";
export * from "./audit";
export * from "./content";
export * from "./deliveries";
export * from "./desk";
export * from "./email";
export * from "./files";
export * from "./mail-routing";
export * from "./mail-stats";
export * from "./notifications";
export * from "./orchestration";
export * from "./submissions";
export * from "./webhooks";
