#!/bin/bash
# Prepares everything tools/nested-kvm/run.sh needs: QEMU, a Debian kernel and an initramfs that
# loads kvm_amd (and 9p, to see the host's files) inside a TCG guest with emulated SVM.
# Idempotent and cheap when nothing changed, so callers can run it unconditionally.
# Output lands in ${KX_NESTED_CACHE:-/var/cache/kvm-experiments/nested-kvm}: vmlinuz (and vmlinux
# when the kernel can boot through PVH), initrd.gz, stamp.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KX_NESTED_CACHE:-/var/cache/kvm-experiments/nested-kvm}
PKGS=(qemu-system-x86 linux-image-amd64 busybox-static kmod)
# Top-level modules; their dependencies are resolved by modprobe. kvm_intel only matters if the
# guest CPU ever has VMX (TCG does not emulate it), so it is carried but never required.
BASE_MODS=(virtio_pci 9pnet_virtio 9p)
KVM_MODS=(kvm_amd kvm_intel)

say() { printf 'nested-kvm setup: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- packages ------------------------------------------------------------------------------------
missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PKGS[@]}" 2>/dev/null || true)
for p in "${PKGS[@]}"; do
  grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root; install them or rerun as root"
  say "installing ${missing[*]}"
  aptlog=$(mktemp /tmp/nested-kvm-apt.XXXXXX.log)
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1
  }
  # Skipping the update when the package lists are already usable saves tens of seconds.
  if ! apt_install; then
    say "install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$aptlog" 2>&1 || { tail -20 "$aptlog" >&2; die "apt-get update failed (log: $aptlog)"; }
    apt_install || { tail -20 "$aptlog" >&2; die "apt-get install failed (log: $aptlog)"; }
  fi
  rm -f "$aptlog"
fi

# --- kernel --------------------------------------------------------------------------------------
# The host may run a different kernel (e.g. a PVM one under /lib/modules without a /boot image);
# only a Debian -amd64 kernel with its image installed is usable.
KVER=
for d in $(ls -1d /lib/modules/*-amd64 2>/dev/null | sort -V -r); do
  v=${d##*/}
  if [ -f "/boot/vmlinuz-$v" ]; then KVER=$v; break; fi
done
[ -n "$KVER" ] || die "no /lib/modules/*-amd64 with a matching /boot/vmlinuz-* (is linux-image-amd64 installed?)"
VMLINUZ=/boot/vmlinuz-$KVER

up_to_date() {
  [ -f "$CACHE/stamp" ] && [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.gz" ] &&
  [ "$(cat "$CACHE/stamp")" = "$KVER" ] &&
  [ "$CACHE/stamp" -nt "$VMLINUZ" ] &&
  [ "$CACHE/stamp" -nt "$HERE/init" ] &&
  [ "$CACHE/stamp" -nt "$HERE/setup.sh" ]
}
up_to_date && exit 0

mkdir -p "$CACHE" 2>/dev/null || die "cannot create $CACHE (set KX_NESTED_CACHE or run as root)"
# Concurrent CI jobs on one machine would otherwise build into the same files.
exec 9>"$CACHE/.lock"
flock 9
up_to_date && exit 0

say "building initramfs for kernel $KVER in $CACHE"
BB=$(command -v busybox || true)
[ -x /bin/busybox ] && BB=/bin/busybox
[ -n "$BB" ] || die "busybox not found"

build=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$build"' EXIT
root=$build/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,host,run-nested,mods,etc}
cp "$BB" "$root/bin/busybox"
"$BB" --list-full | while read -r applet; do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cp "$HERE/init" "$root/init"
chmod 755 "$root/init"

[ -f "/lib/modules/$KVER/modules.dep" ] || depmod "$KVER"

# Copies a module into the initramfs (decompressed: busybox insmod cannot read .ko.xz/.zst)
# and prints the name it got there.
copy_mod() {
  local src=$1 base dst
  base=${src##*/}
  case "$base" in
    *.ko.xz)  dst=${base%.xz};  "$BB" xz -dc "$src" >"$root/mods/$dst" ;;
    *.ko.gz)  dst=${base%.gz};  "$BB" gzip -dc "$src" >"$root/mods/$dst" ;;
    *.ko.zst) dst=${base%.zst}; command -v zstd >/dev/null || die "$src is zstd-compressed and zstd is missing"
              zstd -qdc "$src" >"$root/mods/$dst" ;;
    *.ko)     dst=$base; cp "$src" "$root/mods/$dst" ;;
    *)        die "unexpected module file $src" ;;
  esac
  printf '%s\n' "$dst"
}

# Writes, in load order, the module files needed for each of the given modules (one order file;
# init skips modules that are already loaded, so overlaps between order files are harmless).
mod_order() {
  local out=$1 m deps line path name
  shift
  : >"$out"
  for m in "$@"; do
    deps=$(modprobe -S "$KVER" --show-depends "$m" 2>&1) || return 1
    while read -r line; do
      case "$line" in
        insmod\ *) path=${line#insmod }; path=${path%% *}
                   name=$(copy_mod "$path") || return 1
                   grep -qx "$name" "$out" || printf '%s\n' "$name" >>"$out" ;;
        builtin\ *) ;;
        *) die "modprobe --show-depends $m: unexpected line: $line" ;;
      esac
    done <<<"$deps"
  done
}

mod_order "$root/mods/base.order" "${BASE_MODS[@]}" || die "cannot resolve modules ${BASE_MODS[*]} for $KVER"
for m in "${KVM_MODS[@]}"; do
  if ! mod_order "$root/mods/$m.order" "$m"; then
    [ "$m" = kvm_amd ] && die "cannot resolve kvm_amd for $KVER"
    say "note: $m not available in $KVER; skipped"
    rm -f "$root/mods/$m.order"
  fi
done

(cd "$root" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null) | gzip -6 >"$build/initrd.gz"
cp "$VMLINUZ" "$build/vmlinuz"

# Booting the bzImage spends ~4.5 s (about half the boot) in its xz decompressor under TCG; the
# uncompressed ELF booted through PVH skips that. Only kernels built with PVH have the ELF note
# QEMU needs, and busybox's xz cannot undo the kernel's BCJ filter, hence the host's xz.
extract_vmlinux() {
  local off
  grep -qx 'CONFIG_PVH=y' "/boot/config-$KVER" 2>/dev/null || return 1
  command -v xz >/dev/null || return 1
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -1 | cut -d: -f1)
  [ -n "$off" ] || return 1
  # The payload is followed by more data, which --single-stream ignores; xz then stops reading
  # early and tail dies of SIGPIPE, so only xz's status counts (errexit is off: called from if).
  tail -c "+$((off + 1))" "$VMLINUZ" | xz -dc --single-stream >"$build/vmlinux" 2>/dev/null
  [ "${PIPESTATUS[1]}" = 0 ] || return 1
  [ "$(head -c 4 "$build/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]
}
if extract_vmlinux; then
  mv -f "$build/vmlinux" "$CACHE/vmlinux"
else
  say "note: no PVH-bootable vmlinux from $VMLINUZ; booting the bzImage (~4 s slower)"
  rm -f "$CACHE/vmlinux"
fi
mv -f "$build/vmlinuz" "$CACHE/vmlinuz"
mv -f "$build/initrd.gz" "$CACHE/initrd.gz"
# Written last: its presence and mtime are what up_to_date trusts.
printf '%s\n' "$KVER" >"$CACHE/stamp.new"
mv -f "$CACHE/stamp.new" "$CACHE/stamp"
say "done ($(du -h "$CACHE/initrd.gz" | cut -f1) initramfs)"
