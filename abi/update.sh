#!/bin/sh
# Writes the ABI baseline from a build of the library (debug info needed:
# the default debugoptimized build has it). Run on purpose, when the
# exported interface grows: CI fails on any difference from the baseline.
# usage: abi/update.sh [BUILDDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
abidw --headers-dir "$top/include/containers" --headers-dir "$build/include/containers" \
      --drop-private-types --no-corpus-path --no-comp-dir-path \
      --out-file "$top/abi/libcontainers.abi" "$build/libcontainers/libcontainers.so.1"
echo "wrote $top/abi/libcontainers.abi"
