export { TeamCoordinator } from "./team-coordinator";
