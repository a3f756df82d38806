#!/usr/bin/env bash
# Installs what `make bench` needs beyond `make setup`: Debian's boto3 and
# X-Ray SDK for Python, which the seed's Python init (the cold-start
# reference, internal/bench/testdata/python) imports.
set -euo pipefail
python=${BENCH_PYTHON:-/usr/bin/python3}
if "$python" -c 'import boto3, aws_xray_sdk' >/dev/null 2>&1; then
  exit 0
fi
packages=(python3-boto3 python3-aws-xray-sdk)
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench: $python lacks boto3 or aws_xray_sdk and this is no Debian/Ubuntu machine: install them for $python, or the seed's row stays empty" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "bench: run as root or install ${packages[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "== installing Debian packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
