#!/usr/bin/env bash
# Quick start 1: set everything up, then start the embedded portal backend on http://localhost:7007.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec corepack yarn start
