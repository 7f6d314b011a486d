import { useMutation, useQuery } from "@tanstack/react-query";
import { MailPlus } from "lucide-react";
import { useState } from "react";
import type { Role } from "@shared/auth/roles";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { InviteStatusBadge, RoleBadge } from "@/components/status-badges";
import { ActionsTh, Alert, Badge, Button, ConfirmDialog, PageHeader, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { api } from "@/lib/api";
import { formatDate, humanize } from "@/lib/format";
import { describeError } from "@/lib/forms";
import { grantableRoles, mayManageMember } from "@/lib/permissions";
import { invitesQuery, membersQuery, tenantPath } from "@/lib/queries";
import { useMe } from "@/lib/session";
import type { Member } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { InviteDialog } from "./invite-dialog";

export function MembersScreen() {
  const { tenantId, can } = useTenant();
  const members = useQuery(membersQuery(tenantId));
  const invites = useQuery(invitesQuery(tenantId));
  const [inviting, setInviting] = useState(false);
  const invalidate = useInvalidateTenant();
  const inviteButton = can("members:write") ? (
    <Button onClick={() => setInviting(true)}>
      <MailPlus className="size-4" aria-hidden="true" /> Invite someone
    </Button>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Members"
        description="People in this tenant and their roles. Owners and admins manage people; only owners grant the owner role."
        actions={inviteButton}
      />
      <div className="space-y-8">
        <section aria-labelledby="members-heading" className="space-y-3">
          <h2 id="members-heading" className="text-base font-semibold text-zinc-900">
            People
          </h2>
          <QueryState
            query={members}
            loadingLabel="Loading members…"
            empty={{ title: "No members", description: "Invite someone to get started." }}
          >
            {(list) => <MembersTable members={list} />}
          </QueryState>
        </section>

        <section aria-labelledby="invites-heading" className="space-y-3">
          <h2 id="invites-heading" className="text-base font-semibold text-zinc-900">
            Invites
          </h2>
          <QueryState
            query={invites}
            loadingLabel="Loading invites…"
            empty={{
              title: "No invites",
              description: can("members:write") ? "Invite people by email; they join when they accept." : "Nobody has been invited yet.",
            }}
          >
            {(list) => (
              <Table caption="Invites">
                <THead>
                  <Tr>
                    <Th>Email</Th>
                    <Th>Role</Th>
                    <Th>Status</Th>
                    <Th>Expires</Th>
                    {can("members:write") && <ActionsTh />}
                  </Tr>
                </THead>
                <TBody>
                  {[...list].reverse().map((inv) => (
                    <Tr key={inv.id}>
                      <Td className="font-medium">{inv.email}</Td>
                      <Td>
                        <RoleBadge role={inv.role} />
                      </Td>
                      <Td>
                        <InviteStatusBadge status={inv.status} />
                      </Td>
                      <Td className="whitespace-nowrap text-zinc-700">{inv.status === "pending" ? formatDate(inv.expiresAt) : "—"}</Td>
                      {can("members:write") && (
                        <Td className="text-right">
                          {inv.status === "pending" && (
                            <ConfirmDialog
                              trigger={
                                <Button variant="ghost" size="sm" aria-label={`Revoke invite for ${inv.email}`}>
                                  Revoke
                                </Button>
                              }
                              title={`Revoke the invite for ${inv.email}?`}
                              description="The invite link stops working. You can invite them again later."
                              confirmLabel="Revoke invite"
                              onConfirm={async () => {
                                await api.delete(`${tenantPath(tenantId)}/invites/${encodeURIComponent(inv.id)}`);
                                await invalidate();
                              }}
                            />
                          )}
                        </Td>
                      )}
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </QueryState>
        </section>
      </div>
      <InviteDialog open={inviting} onOpenChange={setInviting} />
    </>
  );
}

function MembersTable({ members }: { members: Member[] }) {
  const { can } = useTenant();
  return (
    <Table caption="Members">
      <THead>
        <Tr>
          <Th>Name</Th>
          <Th>Email</Th>
          <Th>Role</Th>
          <Th>Joined</Th>
          {can("members:write") && <ActionsTh />}
        </Tr>
      </THead>
      <TBody>
        {members.map((m) => (
          <MemberRow key={m.userId} member={m} />
        ))}
      </TBody>
    </Table>
  );
}

function MemberRow({ member }: { member: Member }) {
  const { tenantId, role: myRole, can } = useTenant();
  const me = useMe();
  const invalidate = useInvalidateTenant();
  const path = `${tenantPath(tenantId)}/members/${encodeURIComponent(member.userId)}`;
  const changeRole = useMutation({
    mutationFn: (role: Role) => api.patch(path, { role }),
    onSuccess: () => invalidate(),
  });
  const pendingRole = changeRole.isPending ? changeRole.variables : null;
  const isMe = member.userId === me.user.id;
  const manageable = mayManageMember(myRole, member.role);
  const options = grantableRoles(myRole);

  return (
    <Tr>
      <Td className="font-medium">
        {member.name} {isMe && <Badge tone="neutral">You</Badge>}
      </Td>
      <Td className="text-zinc-700">{member.email}</Td>
      <Td>
        {manageable ? (
          <div className="space-y-1">
            <Select
              aria-label={`Role for ${member.name}`}
              className="w-36"
              value={pendingRole ?? member.role}
              disabled={pendingRole !== null}
              onChange={(e) => changeRole.mutate(e.target.value as Role)}
            >
              {options.map((r) => (
                <option key={r} value={r}>
                  {humanize(r)}
                </option>
              ))}
            </Select>
            {changeRole.isError && (
              <Alert tone="danger" className="max-w-xs">
                {describeError(changeRole.error)}
              </Alert>
            )}
          </div>
        ) : (
          <RoleBadge role={member.role} />
        )}
      </Td>
      <Td className="whitespace-nowrap text-zinc-700">{formatDate(member.joinedAt)}</Td>
      {can("members:write") && (
        <Td className="text-right">
          {manageable && !isMe && (
            <ConfirmDialog
              trigger={
                <Button variant="ghost" size="sm" aria-label={`Remove ${member.name}`}>
                  Remove
                </Button>
              }
              title={`Remove ${member.name} from the tenant?`}
              description={`${member.email} loses access at once. You can invite them again later.`}
              confirmLabel="Remove member"
              onConfirm={async () => {
                await api.delete(path);
                await invalidate();
              }}
            />
          )}
        </Td>
      )}
    </Tr>
  );
}
