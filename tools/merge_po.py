"""Merge a freshly exported .pot into the addon's .po files, Odoo style.

Usage: python tools/merge_po.py dunning_advanced/i18n/dunning_advanced.pot it.po [...]

Like ``msgmerge --no-fuzzy-matching``: entries keep their translation when the
msgid is unchanged, new msgids come in untranslated, references and comments
follow the .pot, and terms gone from the code are dropped (Odoo ships no
obsolete ``#~`` entries). polib (shipped with Odoo) writes the file exactly as
``odoo-bin --i18n-export`` does, so the diff shows only real changes.
"""

import sys

import polib


def merge(pot_path, po_path):
    pot = polib.pofile(pot_path)
    po = polib.pofile(po_path)
    before = {entry.msgid: entry.msgstr for entry in po if entry.msgstr}
    po.merge(pot)
    for entry in [entry for entry in po if entry.obsolete]:
        po.remove(entry)
    for entry in po:
        # Fuzzy matches are never loaded by Odoo: start those from scratch.
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.previous_msgid = None
    # The order of the export (by msgid), so new terms land where Odoo puts them.
    order = {entry.msgid: index for index, entry in enumerate(pot)}
    po.sort(key=lambda entry: order.get(entry.msgid, len(order)))
    po.metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", "")
    po.save(po_path)
    new = [entry.msgid for entry in po if not entry.msgstr]
    gone = set(before) - {entry.msgid for entry in po}
    print(f"{po_path}: {len(po)} terms, {len(new)} to translate, {len(gone)} dropped")
    for msgid in new:
        print(f"  to translate: {msgid[:100]!r}")


if __name__ == "__main__":
    for path in sys.argv[2:]:
        merge(sys.argv[1], path)
