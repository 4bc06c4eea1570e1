"""Print the pins of an Odoo source tree's requirements.txt for the venv.

Odoo 18.0 pins one version per Python release; its pins for Python 3.12 are the
ones that have wheels and install cleanly on 3.11 too, so markers are evaluated
as for 3.12. python-ldap is left out: it only serves ``auth_ldap``, and it needs
the system's LDAP headers to build.

Usage: python tools/odoo_requirements.py $ODOO_SRC/requirements.txt > reqs.txt
"""

import sys

from packaging.requirements import Requirement

SKIPPED = {"python-ldap", "pypiwin32"}
MARKER_ENV = {
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
}


def main(path):
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            req = Requirement(line)
            if req.name.lower() in SKIPPED:
                continue
            if req.marker is None or req.marker.evaluate(MARKER_ENV):
                print(f"{req.name}{req.specifier}")


if __name__ == "__main__":
    main(sys.argv[1])
