#!/bin/sh
# Runs one label of the sanitizer tree's ctest: run_tree.sh <tree> <label>.
tree=$1
label=$2
if [ ! -f "$tree/CTestTestfile.cmake" ]; then
  echo "sanitizer tree $tree is not built (scripts/build-sanitizers builds it): skipped"
  exit 77
fi
# One at a time: the outer ctest already runs two tests at once, and each
# fuzz harness keeps one core busy for its whole time budget.
exec ctest --test-dir "$tree" -L "^$label\$" --output-on-failure -j1 --timeout 300 --no-tests=error
