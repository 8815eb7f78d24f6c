#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/cli by `npm run build`).
import { main } from "../dist/cli/index.js";

main(process.argv.slice(2));
