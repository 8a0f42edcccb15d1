#!/bin/bash
# run.sh "<shell command>": runs the command with /bin/sh, in the current directory, inside a QEMU
# TCG VM whose emulated AMD CPU has SVM, so the guest kernel's kvm_amd gives it a real /dev/kvm.
# For hosts without /dev/kvm (see README.md). Needs tools/nested-kvm/setup.sh to have run.
#
# The host root is visible read-only; NESTED_RW (colon-separated host directories) are writable at
# the same paths; /tmp and /run are guest tmpfs unless listed in NESTED_RW.
# The command's stdout/stderr stream to ours; exit status = the command's, except
# 2 = usage/setup error, 124 = NESTED_TIMEOUT hit, 255 = the VM failed (console log is shown and kept).
# Env: NESTED_TIMEOUT (s, 600), NESTED_MEM (MiB, 2048), NESTED_SMP (1; 2 boots ~4 s slower),
#      NESTED_CPU (QEMU -cpu, max), NESTED_RW, NESTED_KEEP=1 (keep the run dir),
#      NESTED_LOG (console log path), NESTED_ENV (names of variables to pass into the guest),
#      KX_NESTED_CACHE (as for setup.sh).
set -euo pipefail

CACHE=${KX_NESTED_CACHE:-/var/cache/kvm-experiments/nested-kvm}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'nested-kvm: %s\n' "$*" >&2; }

[ $# -ge 1 ] || { echo "usage: $0 '<shell command>'" >&2; exit 2; }
for f in vmlinuz initrd.gz stamp; do
  [ -f "$CACHE/$f" ] || { say "$CACHE/$f missing: run $HERE/setup.sh first"; exit 2; }
done
# The uncompressed PVH kernel boots ~4 s faster; setup.sh leaves it out when the kernel cannot do PVH.
KERNEL=$CACHE/vmlinuz
[ -f "$CACHE/vmlinux" ] && KERNEL=$CACHE/vmlinux
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 missing: run $HERE/setup.sh first"; exit 2; }

# The script is run by the guest's (i.e. the host's) /bin/sh, which is dash on Debian: bash's
# printf %q can produce $'..' quoting that dash does not understand, hence plain single quotes.
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

R=
if mkdir -p "$CACHE/runs" 2>/dev/null && [ -w "$CACHE/runs" ]; then
  R=$(mktemp -d "$CACHE/runs/r.XXXXXX")
else
  R=$(mktemp -d /tmp/nested-kvm-run.XXXXXX)
fi
{
  printf 'export PATH=%s\n' "$(sq /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)"
  printf 'export HOME=%s TERM=dumb LANG=C.UTF-8\n' "$(sq "${HOME:-/root}")"
  for n in ${NESTED_ENV:-}; do
    [[ $n =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { say "NESTED_ENV: bad name '$n'"; exit 2; }
    [ -n "${!n+set}" ] && printf 'export %s=%s\n' "$n" "$(sq "${!n}")"
  done
  printf 'cd %s || exit 254\n' "$(sq "$PWD")"
  printf '%s\n' "$*"
} >"$R/script"

RWARGS=()
i=0
IFS=: read -ra RWS <<<"${NESTED_RW:-}"
RESOLVED=()
for p in "${RWS[@]}"; do
  [ -n "$p" ] || continue
  [ -d "$p" ] || { say "NESTED_RW: $p is not a directory"; rm -rf "$R"; exit 2; }
  # The guest mounts at /host$p from outside the chroot, where host symlinks would point elsewhere.
  RESOLVED+=("$(realpath "$p")")
done
# Parents before children (/tmp before /tmp/repo): the guest mounts them in this order, and a
# child's mount point exists only once its parent is mounted.
mapfile -t RESOLVED < <(printf '%s\n' "${RESOLVED[@]}" | awk '{ print length($0) "\t" $0 }' | sort -n | cut -f2-)
for p in "${RESOLVED[@]}"; do
  [ -n "$p" ] || continue
  printf '%s\n' "$p" >"$R/rw$i"
  RWARGS+=(-virtfs "local,path=$p,mount_tag=rw$i,security_model=passthrough,id=rw$i")
  i=$((i+1))
done

mkfifo "$R/out.in" "$R/out.out" "$R/err.in" "$R/err.out"
cat "$R/out.out" & CO=$!
cat "$R/err.out" >&2 & CE=$!
LOG=${NESTED_LOG:-$R/console.log}
QPID=
cleanup_signal() {
  # timeout forwards the TERM to QEMU, which exits cleanly; the readers then see EOF.
  if [ -n "$QPID" ]; then
    kill -TERM "$QPID" 2>/dev/null || true
    wait "$QPID" 2>/dev/null || true
  fi
  kill "$CO" "$CE" 2>/dev/null || true
  say "interrupted; run dir $R"
  exit 130
}
trap cleanup_signal INT TERM HUP

# Run in the background and wait, so a signal to us reaches the trap (and QEMU) promptly.
timeout -k 5 "${NESTED_TIMEOUT:-600}" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu "${NESTED_CPU:-max}" -smp "${NESTED_SMP:-1}" -m "${NESTED_MEM:-2048}" \
  -kernel "$KERNEL" -initrd "$CACHE/initrd.gz" \
  -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 mitigations=off" \
  -display none -no-reboot -monitor none -nodefaults \
  -serial "file:$LOG" -chardev "pipe,id=out,path=$R/out" -serial chardev:out \
  -chardev "pipe,id=err,path=$R/err" -serial chardev:err \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot \
  -virtfs "local,path=$R,mount_tag=run,security_model=none,id=run" \
  "${RWARGS[@]}" </dev/null &
QPID=$!
q=0
wait "$QPID" || q=$?
QPID=
trap - INT TERM HUP
# If QEMU died before opening the pipes the readers are still blocked in open(); opening and
# closing the write side lets them see EOF.
exec 3<>"$R/out.out" 4<>"$R/err.out"
exec 3>&- 4>&-
wait "$CO" "$CE" 2>/dev/null || true

if [ -f "$R/rc" ]; then
  rc=$(cat "$R/rc")
elif [ "$q" = 124 ] || [ "$q" = 137 ]; then
  rc=124; say "timeout after ${NESTED_TIMEOUT:-600} s; console log: $LOG"
else
  rc=255; say "VM failed (qemu exit $q); console log: $LOG"; tail -20 "$LOG" >&2 || true
fi
if [ "${NESTED_KEEP:-0}" = 1 ]; then
  say "run dir kept: $R"
elif [ "$rc" != 255 ] && [ "$rc" != 124 ]; then
  rm -rf "$R"
fi
exit "$rc"
