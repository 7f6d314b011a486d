/**
 * Agent role templates and the tool categories each starts with: the one table for both.
 * A template is a starting point; the agent's tool categories can be edited afterwards.
 */
import { z } from "zod";

export const TOOL_CATEGORIES = [
  "messaging",
  "docs",
  "tickets",
  "code",
  "ci",
  "deploy",
  "monitoring",
  "incidents",
  "knowledge_base",
  "crm",
] as const;
export const ToolCategorySchema = z.enum(TOOL_CATEGORIES).meta({ id: "ToolCategory" });
export type ToolCategory = z.infer<typeof ToolCategorySchema>;

export const AGENT_TEMPLATES = ["pm", "engineering", "ops", "support", "custom"] as const;
export const AgentTemplateSchema = z.enum(AGENT_TEMPLATES).meta({ id: "AgentTemplate" });
export type AgentTemplate = z.infer<typeof AgentTemplateSchema>;

export const TEMPLATE_DEFAULTS: Record<AgentTemplate, { label: string; description: string; tools: ToolCategory[] }> = {
  pm: { label: "Product manager", description: "Plans work, writes specs, tracks tickets.", tools: ["messaging", "docs", "tickets"] },
  engineering: { label: "Engineering", description: "Writes and reviews code, runs CI.", tools: ["messaging", "code", "ci", "tickets"] },
  ops: {
    label: "Operations",
    description: "Deploys, watches and responds to incidents.",
    tools: ["messaging", "deploy", "monitoring", "incidents"],
  },
  support: {
    label: "Support",
    description: "Answers customers from the knowledge base.",
    tools: ["messaging", "tickets", "knowledge_base", "crm"],
  },
  custom: { label: "Custom", description: "Starts with no tools; choose them yourself.", tools: [] },
};
