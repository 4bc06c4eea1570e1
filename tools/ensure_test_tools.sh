#!/usr/bin/env bash
# Make sure the tests find the programs they run outside Python:
#  - a headless Chrome for Odoo's browser tests (HttpCase tours): Odoo 18
#    looks for google-chrome, chromium, chromium-browser or
#    google-chrome-stable on the PATH (odoo/tests/common.py, _find_executable)
#    and skips the tours without one;
#  - poppler's pdftotext, which reads the printed pagoPA notice as laid out.
# What is missing is installed with apt-get (Debian's chromium, poppler-utils).
set -euo pipefail

say() { printf '[test tools] %s\n' "$*"; }

missing=()
browser=""
for name in google-chrome chromium chromium-browser google-chrome-stable; do
  if command -v "$name" >/dev/null 2>&1; then
    browser=$(command -v "$name")
    break
  fi
done
[ -n "$browser" ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
  say "browser tests use $browser; PDFs are read with $(command -v pdftotext)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "Missing: ${missing[*]}, and apt-get is not available. Install Chromium"
  say "(or Google Chrome) and poppler's pdftotext, then run the tests again."
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

say "installing ${missing[*]} for the tests"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
say "browser tests use $(command -v chromium || true); PDFs are read with $(command -v pdftotext)"
