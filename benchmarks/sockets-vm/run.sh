#!/usr/bin/env bash
# 50,000 WebSockets on one cpld where this host's open-file limit is too low to hold them
# (a sandbox without CAP_SYS_RESOURCE stops a process at its hard limit): boots a Debian
# kernel in QEMU with an initramfs holding only busybox, cpld, cpl and their libraries,
# whose /init (beside this script) raises the limit, starts cpld on a fresh database,
# runs `cpl simulate` with USERS sockets (1% sending a location each second) for SECS
# seconds, prints cpld's memory every 10 s, and powers off.
#
# Usage: benchmarks/sockets-vm/run.sh [USERS] [SECS]        (defaults 50000 120)
# Needs: qemu-system-x86 busybox-static (apt-get), release builds of cpld and cpl.
# ACCEL=kvm uses KVM where it works; the default is QEMU's own emulation (TCG), which is
# several times slower than the host: memory figures hold, latencies are upper bounds.
set -euo pipefail
users=${1:-50000}; secs=${2:-120}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
work=${WORK:-$(mktemp -d)}
cd "$work"
if [ ! -f vmlinuz ]; then
  apt-get download linux-image-cloud-amd64 >/dev/null
  dep=$(dpkg-deb -f linux-image-cloud-amd64_*.deb Depends | sed 's/ .*//; s/,.*//')
  apt-get download "$dep" >/dev/null
  dpkg-deb -x "$dep"_*.deb kernel
  cp kernel/boot/vmlinuz-* vmlinuz
fi
rm -rf root && mkdir -p root/{bin,proc,sys,dev,tmp,etc/ssl/certs,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox root/bin/
cp "$repo/target/release/cpld" "$repo/target/release/cpl" root/
cp "$here/init" root/init && chmod +x root/init
for bin in root/cpld root/cpl; do
  ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do cp -n "$lib" root/lib/x86_64-linux-gnu/; done
done
cp /lib64/ld-linux-x86-64.so.2 root/lib64/
# cpl's HTTP client reads the resolver settings and the CA bundle when it is built.
echo "nameserver 127.0.0.1" > root/etc/resolv.conf
echo "127.0.0.1 localhost" > root/etc/hosts
cp /etc/ssl/certs/ca-certificates.crt root/etc/ssl/certs/
(cd root && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > initrd.gz
case "${ACCEL:-tcg}" in
  kvm) accel=(-enable-kvm -cpu host) ;;
  *) accel=(-accel tcg,thread=multi -cpu max) ;;
esac
timeout $((secs + 2400)) qemu-system-x86_64 "${accel[@]}" -smp 2 -m 8G -nographic -no-reboot \
  -kernel vmlinuz -initrd initrd.gz \
  -append "console=ttyS0 loglevel=3 panic=-1 cpl_users=$users cpl_secs=$secs"
