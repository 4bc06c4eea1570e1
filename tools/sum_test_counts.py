"""Total the results of several tools/run_tests.py runs (their --counts file).

Prints each run's line, then ``N passed, N failed`` (``, N skipped`` when some
were skipped) over all of them; exits non-zero when a run failed or when fewer
runs than ``--expect`` left their line (one that crashed counts as failed).

Usage: python tools/sum_test_counts.py --expect 2 test-counts.txt
"""

import argparse
import sys
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("counts")
    parser.add_argument("--expect", type=int, default=1)
    args = parser.parse_args()
    path = Path(args.counts)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    passed = failed = skipped = 0
    print()
    for line in lines:
        run_passed, run_failed, run_skipped, addon = line.split(maxsplit=3)
        print(f"  {addon}: {run_passed} passed, {run_failed} failed")
        passed += int(run_passed)
        failed += int(run_failed)
        skipped += int(run_skipped)
    missing = max(args.expect - len(lines), 0)
    if missing:
        print(f"  {missing} test run(s) ended without a result")
        failed += missing
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
