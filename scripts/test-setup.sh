#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages. Safe to run repeatedly.
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Debian chromium + chromium-driver for browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "warning: /usr/bin/chromium missing and cannot apt-get install it; browser tests will be skipped" >&2
  fi
fi
