#!/usr/bin/env bash
# deskbridge's benchmark (issue 6; results in docs/performance.md). Arguments go to the driver:
#   bash bench/run.sh                 # every scenario and the scale run (5 rounds), rewrites docs/performance.md
#   bash bench/run.sh --quick         # a quick check, written to bench/target/performance-partial.md
#   bash bench/run.sh profile --scenario zopim-list-1000
# `run` is implied when the first argument is not a subcommand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in
run | profile | fixture | baseline | help) ;;
*) set -- run "$@" ;;
esac
exec cargo run --release --quiet --manifest-path bench/Cargo.toml -- "$@"
