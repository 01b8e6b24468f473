#!/usr/bin/env bash
# Installs a Vulkan device Dawn (the `webgpu` npm package) accepts, so the WebGPU tests run instead
# of skipping: Debian 12's own Mesa (22.3) is too old for Dawn; Mesa 25 from bookworm-backports
# gives lavapipe, a software adapter ("llvmpipe", vendor mesa, architecture software).
# Idempotent: does nothing once a backports Mesa is installed. Needs root (CI runs as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '~bpo'; then
  exit 0
fi
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$list"
fi
echo "ci: installing Mesa's Vulkan drivers from bookworm-backports (lavapipe, for the WebGPU tests)"
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
