"""Run the tests of the pure modules (``dunning_advanced/lib``) in seconds.

They need no database: this imports the addon the way Odoo does and runs the
``test_lib_*`` modules with unittest. ``make test`` runs them too, inside Odoo.

Usage: .venv/bin/python tools/run_lib_tests.py [test_lib_name ...]
"""

import importlib
import os
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo")
sys.path.insert(0, ODOO_SRC)

import odoo  # noqa: E402

odoo.tools.config.parse_config(
    [f"--addons-path={ODOO_SRC}/addons,{ROOT}", "--test-enable", "--log-level=warn"]
)
odoo.addons.__path__.append(str(ROOT))  # the addon's own folder, as Odoo does


class Result(unittest.TextTestResult):
    had_failure = False


def main(names):
    names = names or sorted(
        p.stem for p in (ROOT / "dunning_advanced" / "tests").glob("test_lib_*.py")
    )
    suite = unittest.TestSuite()
    for name in names:
        module = importlib.import_module(f"odoo.addons.dunning_advanced.tests.{name}")
        suite.addTests(unittest.defaultTestLoader.loadTestsFromModule(module))
    runner = unittest.TextTestRunner(verbosity=1, resultclass=Result)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed - len(result.skipped)} passed, {failed} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
