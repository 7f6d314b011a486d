export * from "@switchboard/protocol/relay";
