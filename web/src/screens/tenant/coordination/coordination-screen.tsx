/**
 * A team's coordination state (docs/coordination.md): the task board, locks with holders and
 * fencing tokens, hand-offs with read receipts, the memory browser, who is online, workflow runs,
 * and the team as YAML with a dry-run diff before apply. Polls every 2 s so a run can be watched
 * as it progresses. Changes need teams:write; force-release and apply coordination:admin.
 */
import { useParams } from "@tanstack/react-router";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui";
import { TeamSubPage } from "../team-section-nav";
import { HandoffsTab } from "./handoffs-tab";
import { LocksTab } from "./locks-tab";
import { MemoryTab } from "./memory-tab";
import { OnlineTab } from "./online-tab";
import { TasksTab } from "./tasks-tab";
import { WorkflowsTab } from "./workflows-tab";
import { YamlTab } from "./yaml-tab";

export function CoordinationScreen() {
  const { teamId } = useParams({ from: "/app/t/$tenantId/teams/$teamId/coordination" });
  return (
    <TeamSubPage
      teamId={teamId}
      description="What this team's agents share: the work queue, locks, hand-offs, memory, presence and workflow runs."
    >
      {(data) => (
        <Tabs defaultValue="tasks">
          <TabsList aria-label="Coordination">
            <TabsTrigger value="tasks">Tasks</TabsTrigger>
            <TabsTrigger value="locks">Locks</TabsTrigger>
            <TabsTrigger value="handoffs">Hand-offs</TabsTrigger>
            <TabsTrigger value="memory">Memory</TabsTrigger>
            <TabsTrigger value="online">Online</TabsTrigger>
            <TabsTrigger value="workflows">Workflows</TabsTrigger>
            <TabsTrigger value="yaml">YAML</TabsTrigger>
          </TabsList>
          <TabsContent value="tasks">
            <TasksTab team={data} />
          </TabsContent>
          <TabsContent value="locks">
            <LocksTab team={data} />
          </TabsContent>
          <TabsContent value="handoffs">
            <HandoffsTab team={data} />
          </TabsContent>
          <TabsContent value="memory">
            <MemoryTab team={data} />
          </TabsContent>
          <TabsContent value="online">
            <OnlineTab team={data} />
          </TabsContent>
          <TabsContent value="workflows">
            <WorkflowsTab team={data} />
          </TabsContent>
          <TabsContent value="yaml">
            <YamlTab team={data} />
          </TabsContent>
        </Tabs>
      )}
    </TeamSubPage>
  );
}
