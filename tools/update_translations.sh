#!/usr/bin/env bash
# Refresh dunning_advanced's translations after merging features:
#  1. install (or update) the addon in a scratch database, without demo data;
#  2. export its terms to dunning_advanced/i18n/dunning_advanced.pot;
#  3. merge the .pot into every dunning_advanced/i18n/*.po (tools/merge_po.py);
#  4. check that translations keep their placeholders and markup.
# It stops before changing anything when Odoo cannot extract a file's terms.
# New terms come in untranslated: translate them in it.po, run again, commit.
#
# Usage: tools/update_translations.sh            (or: make i18n)
# Environment: VENV (.venv), ODOO_SRC (/opt/odoo), I18N_DB (dunning_i18n, a
# database of its own: it is updated, never use a production one),
# I18N_HTTP_PORT (8191).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
ODOO_SRC=${ODOO_SRC:-/opt/odoo}
DB=${I18N_DB:-dunning_i18n}
PORT=${I18N_HTTP_PORT:-8191}
I18N=dunning_advanced/i18n
PY="$VENV/bin/python"
ODOO=("$PY" "$ODOO_SRC/odoo-bin" "--addons-path=$ODOO_SRC/addons,$PWD"
      "--database=$DB" "--http-port=$PORT" --max-cron-threads=0 --stop-after-init
      --log-level=warn)

if psql -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres | grep -q 1; then
    echo "Updating dunning_advanced in $DB"
    "${ODOO[@]}" --update=dunning_advanced
else
    echo "Creating $DB with dunning_advanced (no demo data)"
    "${ODOO[@]}" --init=dunning_advanced --without-demo=all
fi

echo "Exporting $I18N/dunning_advanced.pot"
# Odoo only logs a source file it cannot read (e.g. an f-string among the
# arguments of _()) and exports the rest: merging that .pot would silently drop
# the file's terms and their translations. Export aside, and stop on it.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0
"${ODOO[@]}" --modules=dunning_advanced --i18n-export="$TMP/dunning_advanced.pot" \
    2>"$TMP/export.log" || status=$?
cat "$TMP/export.log" >&2
[ "$status" -eq 0 ] || exit "$status"
if grep -q "Failed to extract terms" "$TMP/export.log"; then
    echo "Odoo could not extract the terms of:" >&2
    grep -o "Failed to extract terms from [^ ]*" "$TMP/export.log" | sort -u | sed 's/^Failed to extract terms from /  /' >&2
    echo "Their terms would be dropped: fix those files (the traceback above says" >&2
    echo "where), then run again. $I18N was left unchanged." >&2
    exit 1
fi
mv "$TMP/dunning_advanced.pot" "$I18N/dunning_advanced.pot"

"$PY" tools/merge_po.py "$I18N/dunning_advanced.pot" "$I18N"/*.po
"$PY" tools/check_po_placeholders.py "$I18N"/*.po || {
    echo "Translate the terms listed above in $I18N/*.po, then run again."
    exit 1
}
