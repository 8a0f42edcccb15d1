#!/usr/bin/env bash
# Installs a local single-node Slurm (Debian 12 slurm-wlm: slurmctld, slurmd,
# slurm-client) and munge, for test/slurm.test.ts. Idempotent and quiet; fast
# (no apt-get at all) when everything is already installed. The daemons are
# started by the tests themselves (test/support/slurm-cluster.ts).
set -euo pipefail

packages=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "run-slurm-setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=()
fi

echo "run-slurm-setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Policy-rc.d 101: do not let package scripts start the daemons (the tests
# start their own with their own config).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if ((created_policy)); then "${SUDO[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/run-slurm-setup.log 2>&1; then
  "${SUDO[@]}" apt-get update -qq >>/tmp/run-slurm-setup.log 2>&1
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/run-slurm-setup.log 2>&1 || {
    echo "run-slurm-setup: apt-get install failed; log follows" >&2
    tail -n 40 /tmp/run-slurm-setup.log >&2
    exit 1
  }
fi
