#!/usr/bin/env bash
# The committed BPF object is the build of its sources: a change to skbscope-kernel/src/main/bpf
# without scripts/build-bpf.sh, or a merge that kept one side's object, would otherwise load old
# programs with the new Java. The build is reproducible (paths mapped, clang deterministic), but
# only against the kernel BTF the object was built with: on another kernel this says so and checks
# nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
obj="$here/skbscope-kernel/src/main/resources/bpf/skbscope.bpf.o"
btf=/sys/kernel/btf/vmlinux
want="$(cat "$obj.vmlinux-sha256")"
if [ ! -r "$btf" ] || [ "$(sha256sum < "$btf" | cut -d' ' -f1)" != "$want" ]; then
  echo "02-bpf-object: not checked: the object was built against another kernel's BTF ($want)" >&2
  exit 0
fi
tmp="$(mktemp /tmp/skbscope-bpf.XXXXXX.o)"
trap 'rm -f "$tmp"' EXIT
BPF_OUT="$tmp" bash "$here/scripts/build-bpf.sh" >/dev/null
if ! cmp -s "$tmp" "$obj"; then
  echo "02-bpf-object: the committed $obj is not the build of skbscope-kernel/src/main/bpf: run scripts/build-bpf.sh and commit the object" >&2
  exit 1
fi
echo "02-bpf-object: the committed BPF object is the build of its sources" >&2
