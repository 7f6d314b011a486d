export { UsageMeter, FLUSH_DELAY_MS, REPORT_INTERVAL_MS, type MeterSummary } from "./usage-meter";
