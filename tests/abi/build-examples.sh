#!/bin/sh
# Builds the examples the way a user does, through pkg-config: against the
# build tree (meson-uninstalled) and against an installed tree
# (meson install --destdir), and runs each.
# usage: build-examples.sh BUILDDIR EXAMPLES_DIR CC
set -eu
build=$1 examples=$2 cc=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run_all () {  # label [pkg-config arguments]
  label=$1; shift
  for src in "$examples"/*.c; do
    exe="$tmp/$(basename "$src" .c)-$label"
    # shellcheck disable=SC2046
    $cc -Wall -Werror "$src" -o "$exe" $(pkg-config "$@" --cflags --libs libcontainers) \
      || { echo "not ok - $(basename "$src") does not build ($label)"; exit 1; }
    "$exe" > "$tmp/out" || { echo "not ok - $(basename "$exe") failed ($label)"; cat "$tmp/out"; exit 1; }
    grep -q 'docker.io/library/busybox:latest' "$tmp/out" \
      || { echo "not ok - unexpected output ($label)"; cat "$tmp/out"; exit 1; }
  done
  echo "ok - examples build and run through pkg-config ($label)"
}

PKG_CONFIG_PATH="$build/meson-uninstalled" run_all uninstalled

DESTDIR="$tmp/dest" meson install -C "$build" --quiet --no-rebuild >/dev/null
pcdir=$(find "$tmp/dest" -name libcontainers.pc -printf '%h\n' | head -n1)
libdir=$(dirname "$(find "$tmp/dest" -name 'libcontainers.so.1' | head -n1)")
[ -n "$pcdir" ] && [ -n "$libdir" ] || { echo "not ok - install did not produce libcontainers.pc and .so.1"; exit 1; }
# The installed file names the real prefix; a copy points into the destdir
# (--define-variable would move glib's prefix too).
mkdir "$tmp/pc"
sed "s|^prefix=|prefix=$tmp/dest|" "$pcdir/libcontainers.pc" > "$tmp/pc/libcontainers.pc"
PKG_CONFIG_PATH="$tmp/pc" LD_LIBRARY_PATH="$libdir" run_all installed
for f in Containers-1.gir Containers-1.typelib containers.h lc-version.h; do
  find "$tmp/dest" -name "$f" | grep -q . || { echo "not ok - $f not installed"; exit 1; }
done
echo "ok - headers, GIR and typelib are installed"
