#!/usr/bin/env bash
# Kept for old instructions: the tools step is scripts/ensure-tools.ts (`npm run setup:tools`), which every entry
# point (`npm start`, `npm test`, the benchmarks, the chaos run) runs by itself.
exec node --import tsx "$(dirname "${BASH_SOURCE[0]}")/ensure-tools.ts" "$@"
