export { ApprovalDesk, type DecideAnswer, type UseAnswer } from "./approval-desk";
