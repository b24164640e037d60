#!/bin/sh
# The library exports exactly the symbols of its version script, and every
# one of them is versioned: nothing private leaks, nothing listed is missing.
# usage: check-exports.sh LIBRARY MAP
set -eu
lib=$1 map=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort -u > "$tmp/exported"
sed -n 's/^[[:space:]]*\(lc_[a-z0-9_]*\);.*/\1/p' "$map" | sort -u > "$tmp/listed"
status=0
if ! cmp -s "$tmp/exported" "$tmp/listed"; then
  echo "not ok - exports differ from $map:"
  diff "$tmp/listed" "$tmp/exported" | sed -n 's/^> /  exported but not in the map: /p; s/^< /  in the map but not exported: /p'
  status=1
fi
# Every exported symbol carries a LIBCONTAINERS_* version.
unversioned=$(objdump -T "$lib" | awk '$NF ~ /^lc_/ && $(NF-1) !~ /LIBCONTAINERS_/ {print $NF}')
if [ -n "$unversioned" ]; then
  echo "not ok - unversioned exports: $unversioned"; status=1
fi
[ $status = 0 ] && echo "ok - $(wc -l < "$tmp/exported") exports match the version script"
exit $status
