#!/bin/sh
# Each public header compiles on its own, as strict C99 and as C++, so that
# users can include the API from any C or C++ code base.
# usage: check-headers.sh SRC_INCLUDE BUILD_INCLUDE CC CXX
set -eu
src=$1 bld=$2 cc=$3 cxx=${4:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
flags="-I$src -I$bld $(pkg-config --cflags glib-2.0 gobject-2.0 gio-2.0)"
n=0
for h in "$src"/containers/*.h "$bld"/containers/lc-version.h; do
  name=$(basename "$h")
  if [ "$name" = containers.h ]; then
    printf '#include <containers/containers.h>\nint main (void) { return 0; }\n' > "$tmp/t.c"
  else
    printf '#define LC_INSIDE_CONTAINERS_H\n#include <containers/%s>\nint main (void) { return 0; }\n' "$name" > "$tmp/t.c"
  fi
  # shellcheck disable=SC2086
  $cc -std=c99 -pedantic -Wall -Wextra -Werror -Wno-unused-parameter $flags -c "$tmp/t.c" -o "$tmp/t.o" \
    || { echo "not ok - $name does not compile alone as C99"; exit 1; }
  if [ -n "$cxx" ] && command -v "$cxx" >/dev/null 2>&1; then
    cp "$tmp/t.c" "$tmp/t.cc"
    # shellcheck disable=SC2086
    $cxx -std=c++11 -Wall -Wextra -Werror -Wno-unused-parameter $flags -c "$tmp/t.cc" -o "$tmp/t.o" \
      || { echo "not ok - $name does not compile alone as C++"; exit 1; }
  fi
  n=$((n + 1))
done
echo "ok - $n public headers compile alone as C99 and C++"
