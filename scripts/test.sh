#!/usr/bin/env bash
# Quick start 2: set everything up, then run the whole test suite (fast tier, conformance tier, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-packages.sh
. scripts/setup.sh
exec corepack yarn test:all
