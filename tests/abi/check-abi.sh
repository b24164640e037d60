#!/bin/sh
# Compares the built library with the baseline in abi/: an incompatible
# change fails, and so does a new symbol that was not announced by updating
# the baseline on purpose (abi/update.sh).
# usage: check-abi.sh LIBRARY BASELINE HEADERS_DIR
set -u
lib=$1 baseline=$2 headers=$3
command -v abidiff >/dev/null 2>&1 || { echo "abidiff missing (abigail-tools)"; exit 77; }
report=$(abidiff --drop-private-types --headers-dir2 "$headers" "$baseline" "$lib" 2>&1)
rc=$?
if [ $((rc & 1)) -ne 0 ] || [ $((rc & 2)) -ne 0 ]; then
  echo "not ok - abidiff failed to run ($rc)"; echo "$report"; exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
  echo "not ok - incompatible ABI change against $baseline:"; echo "$report"; exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
  echo "not ok - the ABI changed without abi/ being updated (run abi/update.sh on purpose):"
  echo "$report"; exit 1
fi
echo "ok - ABI matches $baseline"
