import { TOOL_CATEGORIES, type ToolCategory } from "@shared/agent-templates";
import { trustLevelInfo } from "@shared/trust-levels";
import { humanize } from "./format";

/** Tool categories as checkbox options, labelled for people. */
export const TOOL_OPTIONS = TOOL_CATEGORIES.map((t: ToolCategory) => ({ value: t, label: toolLabel(t) }));

export function toolLabel(tool: string): string {
  return tool === "ci" ? "CI" : tool === "crm" ? "CRM" : humanize(tool);
}

/** A <select>'s string back to the API's trust level number; "" means "not set". */
export const toTrustLevel = (v: string): number | undefined => (v === "" ? undefined : Number(v));

/** The trust-level table's entry for a level (levels come from the API as plain numbers). */
export function trustInfo(level: number): { label: string; description: string } {
  return trustLevelInfo(level) ?? { label: "Unknown", description: "" };
}
