#!/bin/bash
# CI entry for hosts without /dev/kvm: runs the KVM test suite (test/native) inside the nested VM.
# Extra arguments go to vitest: `test-kvm.sh test/native/guest-io.test.ts` runs that file only,
# `test-kvm.sh -t coalescing` filters test/native by name. Exit status = the tests' (124 timeout, 255 VM failure, as run.sh).
# The native addon and guests must already be built on the host: the VM sees the same files.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

t0=$(now)
"$HERE/setup.sh"
t1=$(now)

# vitest ORs its file filters, so a file named after "test/native" would not narrow the run:
# a leading filter replaces the default one; leading options are added to it.
cmd="npx vitest run"
if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then cmd+=" test/native"; fi
for a in "$@"; do cmd+=" $(sq "$a")"; done
log=$(mktemp /tmp/nested-kvm-console.XXXXXX.log)
cd "$ROOT"
rc=0
# /tmp writable on the host side too, so vitest/node temp files and test artefacts are inspectable.
NESTED_RW="$ROOT:/tmp${NESTED_RW:+:$NESTED_RW}" \
NESTED_LOG="$log" \
NESTED_TIMEOUT="${NESTED_TIMEOUT:-900}" \
NESTED_ENV="${NESTED_ENV-CI}" \
  "$HERE/run.sh" "$cmd" || rc=$?
t2=$(now)

# Boot and command times come from the guest's uptime stamps in the console log.
boot=$(awk '$1 == "NESTED_T" && $2 == "cmd-start" { print $3 }' "$log")
end=$(awk '$1 == "NESTED_T" && $2 == "cmd-end" { print $3 }' "$log")
{
  printf 'nested-kvm: setup %ss' "$(secs "$t0" "$t1")"
  [ -n "$boot" ] && printf ', VM boot %ss' "$boot"
  [ -n "$boot" ] && [ -n "$end" ] && printf ', tests %ss' "$(secs "$boot" "$end")"
  printf ', VM total %ss, exit %s\n' "$(secs "$t1" "$t2")" "$rc"
} >&2
if [ "$rc" = 0 ]; then rm -f "$log"; else echo "nested-kvm: console log kept: $log" >&2; fi
exit "$rc"
