export { EgressGate, type Admission, type CallOutcome, type Evaluation, type GateCall, type HopCheck } from "./egress-gate";
