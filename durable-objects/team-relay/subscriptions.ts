/**
 * Topic subscriptions: durable (they survive reconnects and evictions), one SQL row per (topic,
 * agent), and a topic → subscribers map in memory loaded at start-up (the number of
 * subscriptions, not of messages), so a publish reads no SQL. Whether a subscriber may still
 * receive is judged at publish time (judge.ts): a rule removed later stops delivery at once.
 */
export class Subscriptions {
  private readonly byTopic = new Map<string, Set<string>>();

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<{ topic: string; agent_id: string }>("SELECT topic, agent_id FROM subscriptions"))
      this.remember(row.topic, row.agent_id);
  }

  subscribers(topic: string): Iterable<string> {
    return this.byTopic.get(topic) ?? [];
  }

  /** Returns false if the agent was already subscribed (nothing written). */
  add(topic: string, agentId: string): boolean {
    if (this.byTopic.get(topic)?.has(agentId)) return false;
    this.sql.exec("INSERT OR IGNORE INTO subscriptions (topic, agent_id) VALUES (?, ?)", topic, agentId);
    this.remember(topic, agentId);
    return true;
  }

  remove(topic: string, agentId: string): void {
    const set = this.byTopic.get(topic);
    if (!set?.delete(agentId)) return;
    if (set.size === 0) this.byTopic.delete(topic);
    this.sql.exec("DELETE FROM subscriptions WHERE topic = ? AND agent_id = ?", topic, agentId);
  }

  /** The agent left the team: every subscription of it goes. */
  removeAgent(agentId: string): void {
    let any = false;
    for (const [topic, set] of this.byTopic) {
      if (!set.delete(agentId)) continue;
      any = true;
      if (set.size === 0) this.byTopic.delete(topic);
    }
    if (any) this.sql.exec("DELETE FROM subscriptions WHERE agent_id = ?", agentId);
  }

  private remember(topic: string, agentId: string): void {
    const set = this.byTopic.get(topic);
    if (set) set.add(agentId);
    else this.byTopic.set(topic, new Set([agentId]));
  }
}
