export type ApprovalNotice = { teamId: string; approvalId: string; status: string; reason: string | null; decidedBy: string | null };
export function releaseHeld(_core: unknown, _frames: unknown, _notice: ApprovalNotice): void {}
