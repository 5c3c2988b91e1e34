#!/usr/bin/env bash
# Rebuilds the committed BPF object skbscope-kernel/src/main/resources/bpf/skbscope.bpf.o from
# skbscope-kernel/src/main/bpf/*.c. Needs clang, llvm-strip, bpftool and libbpf-dev
# (scripts/install-deps.sh) and a kernel with BTF at /sys/kernel/btf/vmlinux.
# The object is CO-RE: it is built once and relocated by libbpf on the target kernel, so CI and
# users never need to run this. vmlinux.h is generated into target/ and not committed (~3 MB).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/skbscope-kernel/src/main/bpf"
gen="$root/skbscope-kernel/target/bpf-gen"
# BPF_OUT / BPF_CFLAGS: a variant elsewhere (the overhead bench builds its "empty programs" object so)
out="${BPF_OUT:-$root/skbscope-kernel/src/main/resources/bpf/skbscope.bpf.o}"
btf="${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}"
mkdir -p "$gen" "$(dirname "$out")"
if [ ! -s "$gen/vmlinux.h" ] || [ "$btf" -nt "$gen/vmlinux.h" ]; then
  bpftool btf dump file "$btf" format c > "$gen/vmlinux.h"
fi
arch="$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')"
# shellcheck disable=SC2086
cd "$root"
# -fdebug-prefix-map: the BTF's source paths relative to the checkout, so that every checkout builds
# the same bytes and BpfObjectFreshTest can tell a stale committed object from a fresh one
clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_"$arch" -fdebug-prefix-map="$root"=. ${BPF_CFLAGS:-} \
  -I "$gen" -I "$src" -I "$root/skbscope-kernel/src/main/resources/bpf" -c "$src/skbscope.bpf.c" -o "$gen/skbscope.bpf.o"
# keep BTF (CO-RE needs it), drop DWARF: a smaller committed object
llvm-strip -g "$gen/skbscope.bpf.o"
cp "$gen/skbscope.bpf.o" "$out"
# the committed object records which kernel BTF it was built against (scripts/test.d/02-bpf-object.sh)
if [ -z "${BPF_OUT:-}" ] && [ -z "${BPF_CFLAGS:-}" ]; then
  sha256sum < "$btf" | cut -d' ' -f1 > "$(dirname "$out")/skbscope.bpf.o.vmlinux-sha256"
fi
echo "wrote $out ($(stat -c %s "$out") bytes)"
