/**
 * Does an audit event match a rule's `match`? Pure, used by the ledger's evaluator and tested on
 * its own. `relay.*` is a prefix match on `relay.` (so `relay` itself and `relayx.y` do not match).
 */
import type { AlertMatch } from "../schemas/alerts";

export interface MatchableEvent {
  action: string;
  outcome: string;
  severity: string;
  actor: { type: string; id: string | null };
}

export function actionMatches(pattern: string, action: string): boolean {
  return pattern.endsWith(".*") ? action.startsWith(pattern.slice(0, -1)) : action === pattern;
}

export function eventMatches(match: AlertMatch, event: MatchableEvent): boolean {
  if (!actionMatches(match.action, event.action)) return false;
  if (match.outcome !== undefined && match.outcome !== event.outcome) return false;
  if (match.severity !== undefined && match.severity !== event.severity) return false;
  if (match.actor?.type !== undefined && match.actor.type !== event.actor.type) return false;
  if (match.actor?.id !== undefined && match.actor.id !== event.actor.id) return false;
  return true;
}
