#!/bin/sh
# run_fuzzer.sh <harness> <scratch dir> <corpus dir> [libFuzzer flags...]
# Replays the committed corpus, then fuzzes from it; new inputs land in the
# scratch directory (first corpus directory = where libFuzzer writes).
# A crash leaves crash-*/leak-*/timeout-* in the scratch directory's parent.
set -eu
harness=$1 scratch=$2 corpus=$3
shift 3
mkdir -p "$scratch"
cd "$(dirname "$scratch")"
exec "$harness" "$@" "$scratch" "$corpus"
