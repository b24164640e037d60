# shellcheck shell=bash
# bench/lib.sh — shared by the benchmarks: run the real tool and ours on the
# same inputs in one run, with hyperfine for times and /usr/bin/time -v for
# peak memory, and report medians and ratios (ours / theirs) as Markdown.
#
# Benchmarks are measurements, never pass/fail tests: they print a table
# and write it to bench/results/<name>-<date>.md.

. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/common.sh"

LC_BENCH_RUNS="${LC_BENCH_RUNS:-5}"
LC_BUILD_DIR="${LC_BUILD_DIR:-$LC_SRCDIR/build}"
for t in lc-skopeo lc-buildah lc-podman lc-cri; do
    PATH="$LC_BUILD_DIR/tools/$t:$PATH"
done
export PATH

LC_BENCH_ROWS=()

# bench_median_ms JSON — median wall time of hyperfine's only command, in ms.
bench_median_ms() {
    "$LC_PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(round(r["median"]*1000,1))' "$1"
}

# bench_peak_kib CMD… — peak RSS (KiB) of one run of CMD.
bench_peak_kib() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}'
}

# bench_pair NAME PREPARE THEIRS OURS — times both commands (each run after
# PREPARE), measures their peak memory once, and records a table row.
bench_pair() {
    local name="$1" prepare="$2" theirs="$3" ours="$4"
    local out; out="$(lc_tmpdir)"
    hyperfine --style basic --runs "$LC_BENCH_RUNS" --warmup 1 --prepare "$prepare" \
        --export-json "$out/theirs.json" "$theirs" >&2
    hyperfine --style basic --runs "$LC_BENCH_RUNS" --warmup 1 --prepare "$prepare" \
        --export-json "$out/ours.json" "$ours" >&2
    local t o tm om
    t="$(bench_median_ms "$out/theirs.json")"
    o="$(bench_median_ms "$out/ours.json")"
    eval "$prepare" >/dev/null 2>&1
    tm="$(bench_peak_kib sh -c "$theirs")"
    eval "$prepare" >/dev/null 2>&1
    om="$(bench_peak_kib sh -c "$ours")"
    LC_BENCH_ROWS+=("| $name | $t | $o | $("$LC_PYTHON" -c "print(f'{$o/$t:.2f}')") | $((tm / 1024)) | $((om / 1024)) | $("$LC_PYTHON" -c "print(f'{$om/$tm:.2f}')") |")
}

# bench_row NAME TEXT… — a free-form row (for floors such as tar -xzf).
bench_row() {
    LC_BENCH_ROWS+=("| $1 | ${*:2} |")
}

# bench_report NAME TITLE — prints the table and saves it under bench/results/.
bench_report() {
    local name="$1" title="$2" file
    mkdir -p "$LC_SRCDIR/bench/results"
    file="$LC_SRCDIR/bench/results/$name-$(date -u +%Y%m%d-%H%M).md"
    {
        echo "## $title"
        echo
        echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), ${LC_BENCH_RUNS} runs each (median)."
        echo
        echo "| case | theirs ms | ours ms | time ratio | theirs MiB | ours MiB | memory ratio |"
        echo "|---|---|---|---|---|---|---|"
        printf '%s\n' "${LC_BENCH_ROWS[@]}"
    } | tee "$file"
    echo "(saved to ${file#"$LC_SRCDIR"/})" >&2
}
