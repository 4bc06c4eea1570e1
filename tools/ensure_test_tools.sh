#!/usr/bin/env bash
# Make sure Odoo's browser tests (HttpCase tours) find a headless Chrome.
# Odoo 18 looks for google-chrome, chromium, chromium-browser or
# google-chrome-stable on the PATH (odoo/tests/common.py, _find_executable);
# without one it skips the tours. When none is found, Debian's `chromium`
# package is installed with apt-get.
set -euo pipefail

say() { printf '[chromium] %s\n' "$*"; }

for name in google-chrome chromium chromium-browser google-chrome-stable; do
  if command -v "$name" >/dev/null 2>&1; then
    say "browser tests use $(command -v "$name")"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  say "No Chrome or Chromium found and apt-get is not available: the browser"
  say "tests (tours) would be skipped. Install Chromium or Google Chrome."
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

say "No Chrome or Chromium found: installing Debian's chromium for the browser tests"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
say "browser tests use $(command -v chromium)"
