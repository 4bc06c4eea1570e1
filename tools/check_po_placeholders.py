"""Check that every translation keeps the placeholders and markup of its source.

Usage: python tools/check_po_placeholders.py dunning_advanced/i18n/it.po [...]

An entry fails when its msgstr does not have exactly the same
- printf placeholders (``%s``, ``%(name)s``, ``%%``), as a multiset;
- inline-template expressions (``{{ ... }}``), as a multiset;
- HTML/QWeb tags with their attributes (``<t t-out="...">``, ``<br/>`` ...), in order.
Empty translations are reported as untranslated. Exit status 1 on any failure.
Only the standard library and polib (shipped with Odoo) are used.
"""

import re
import sys
from collections import Counter

import polib

PRINTF = re.compile(r"%(?:\([A-Za-z0-9_]+\))?[-#0+]*\d*(?:\.\d+)?[sdifr%]")
TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
TAG = re.compile(r"<[^<>]+>")


def problems(entry):
    src, dst = entry.msgid, entry.msgstr
    if not dst:
        return ["untranslated"]
    found = []
    if Counter(PRINTF.findall(src)) != Counter(PRINTF.findall(dst)):
        found.append(
            f"placeholders {sorted(PRINTF.findall(src))} != "
            f"{sorted(PRINTF.findall(dst))}"
        )
    if Counter(TEMPLATE.findall(src)) != Counter(TEMPLATE.findall(dst)):
        found.append("inline-template expressions differ")
    src_tags, dst_tags = TAG.findall(src), TAG.findall(dst)
    if src_tags != dst_tags:
        diff = next(
            (
                f"{a!r} != {b!r}"
                for a, b in zip(src_tags, dst_tags, strict=False)
                if a != b
            ),
            f"{len(src_tags)} tags != {len(dst_tags)} tags",
        )
        found.append(f"markup differs: {diff}")
    return found


def main(paths):
    failed = untranslated = total = 0
    for path in paths:
        for entry in polib.pofile(path):
            if entry.obsolete:
                continue
            total += 1
            errors = problems(entry)
            if errors == ["untranslated"]:
                untranslated += 1
                print(f"{path}: untranslated: {entry.msgid[:70]!r}")
            elif errors:
                failed += 1
                print(f"{path}: {entry.msgid[:70]!r}: {'; '.join(errors)}")
    print(
        f"{total} entries, {failed} with broken placeholders, "
        f"{untranslated} untranslated"
    )
    return 1 if failed or untranslated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
