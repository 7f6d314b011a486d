#!/usr/bin/env node
console.error("switchboard-verify: not implemented yet");
process.exit(2);
