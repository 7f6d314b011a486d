export { TeamRelay } from "./team-relay";
