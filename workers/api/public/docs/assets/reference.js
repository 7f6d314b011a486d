// The API reference page's one script (served as a static asset, so the page's
// Content-Security-Policy can forbid inline scripts): Redoc, bundled with the project, rendering
// the API's own /openapi.json. Telemetry off: the page talks to this origin only.
import { init } from "./redoc.standalone.js";

init("/openapi.json", { disableTelemetry: true, hideLoading: false }, document.getElementById("reference"));
