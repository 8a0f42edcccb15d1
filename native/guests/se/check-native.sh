#!/usr/bin/env bash
# Runs every SE test program natively, in every flavour that was built,
# twice, and checks that (1) both runs print byte-identical stdout and exit
# with the expected status, and (2) all flavours print the same stdout
# (after replacing the flavour suffix in paths with FLAVOUR).
# m5ops-roi runs in its "native" mode; sandbox exits 1 natively (nothing is
# sandboxed), segfault dies of SIGSEGV (status 139).
# Usage: ./check-native.sh        (after `make`); exit 0 when all passed.
set -u
cd "$(dirname "$0")"
B=$PWD/build
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Fixtures.
mkdir -p "$T/out" "$T/list/sub" "$T/map" "$T/ro"
printf 'The first line of the input file.\nsecond line\n\nlast line, no newline' > "$T/in.txt"
touch "$T/list/b" "$T/list/a" "$T/list/.hidden" "$T/list/Zed"
ln -s /etc/passwd "$T/map/out-link"

# NAME EXPECTED_STATUS ARGS...  (argv[0] is set to NAME in every flavour)
CASES=(
  "args-env 0 one 'two words' env:SE_TEST_VAR env:SE_TEST_UNSET"
  "stdio-files 0 $T/in.txt $T/out $T/list"
  "memory 0"
  "memory 0 64"
  "time-random 0"
  "exit-code 3"
  "exit-code 42 42"
  "segfault 139"
  "unsupported 0"
  "sandbox 1 $T/map $T/map/out-link $T/ro"
  "cpu-bound 0"
  "cpu-bound 0 1000"
  "m5ops-roi 0 native"
  "syscall-loop 0 1000"
  "syscall-loop 0 1000 mprotect"
)
FLAVOURS=()
for f in glibc-static musl-static glibc-dynamic; do
  ls "$B"/*."$f" >/dev/null 2>&1 && FLAVOURS+=("$f") || echo "note: no .$f binaries, skipped"
done

fail=0
i=0
for c in "${CASES[@]}"; do
  eval "set -- $c"
  name=$1 want=$2
  shift 2
  i=$((i + 1))
  ref=""
  for f in "${FLAVOURS[@]}"; do
    for run in 1 2; do
      out="$T/res.$i.$f.$run"
      # The outer subshell absorbs bash's "Segmentation fault" report.
      (cd "$T" && unset SE_TEST_UNSET && export SE_TEST_VAR=hello &&
        (exec -a "$name" "$B/$name.$f" "$@") >"$out" 2>"$out.err") 2>/dev/null
      echo "status=$?" >>"$out"
    done
    label="$name $* [$f]"
    if ! cmp -s "$T/res.$i.$f.1" "$T/res.$i.$f.2"; then
      echo "FAIL $label: the two runs differ"; diff "$T/res.$i.$f.1" "$T/res.$i.$f.2" | head; fail=1
    elif [ "$(tail -n1 "$T/res.$i.$f.1")" != "status=$want" ]; then
      echo "FAIL $label: $(tail -n1 "$T/res.$i.$f.1"), want $want"; fail=1
    else
      echo "ok   $label: $(($(wc -l <"$T/res.$i.$f.1") - 1)) lines, $(tail -n1 "$T/res.$i.$f.1")"
    fi
    sed "s/\.$f\b/.FLAVOUR/g" "$T/res.$i.$f.1" >"$T/norm.$i.$f"
    if [ -z "$ref" ]; then
      ref=$f
    elif ! cmp -s "$T/norm.$i.$ref" "$T/norm.$i.$f"; then
      echo "FAIL $name $*: stdout of $f differs from $ref"; diff "$T/norm.$i.$ref" "$T/norm.$i.$f" | head; fail=1
    fi
  done
done
[ $fail = 0 ] && echo "all native checks passed" || echo "SOME NATIVE CHECKS FAILED"
exit $fail
