"""Run the addon's tests on a fresh database and judge the whole log.

The run fails when a test fails or errors, when the log holds an ERROR or
CRITICAL line, or when the addon itself logs a WARNING. It ends with the line
``N passed, N failed`` (``, N skipped`` when some were skipped).

Usage (the Makefile passes these): python tools/run_tests.py --odoo-bin ...
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests "
    r"when loading database"
)
ADDON = "dunning_advanced"
# Lines printed to the console as the run goes, besides problems.
SHOWN = re.compile(
    r"Starting |post-tests in|tests when loading|odoo\.modules\.loading: \d+ modules"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db", default="dunning_test")
    parser.add_argument("--modules", default=ADDON)
    parser.add_argument("--tags", default=f"/{ADDON}")
    parser.add_argument("--log", default="test.log")
    parser.add_argument("--http-port", default="8169")
    return parser.parse_args()


def drop_database(name):
    subprocess.run(["dropdb", "--if-exists", name], check=True)


def main():
    args = parse_args()
    drop_database(args.db)
    cmd = [
        args.python,
        args.odoo_bin,
        f"--addons-path={args.addons_path}",
        f"--database={args.db}",
        f"--init={args.modules}",
        f"--test-tags={args.tags}",
        f"--http-port={args.http_port}",
        "--gevent-port=0",
        "--log-level=info",
        "--max-cron-threads=0",
        "--stop-after-init",
        "--no-database-list",
    ]
    print("$", " ".join(cmd), flush=True)
    problems, summaries, skipped = [], [], 0
    started = time.monotonic()
    with (
        Path(args.log).open("w", encoding="utf-8") as log,
        subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as proc,
    ):
        current = None
        for line in proc.stdout:
            log.write(line)
            match = LOG_LINE.match(line.rstrip("\n"))
            if match:
                current = match
                level, logger, message = match.group("level", "logger", "message")
                if level in ("ERROR", "CRITICAL") or (
                    level == "WARNING" and f"addons.{ADDON}" in logger
                ):
                    problems.append(line.rstrip())
                    print(line, end="", flush=True)
                elif SHOWN.search(line):
                    print(line, end="", flush=True)
                if logger == "odoo.tests.result" and " skipped " in f" {message}":
                    skipped += message.startswith("skipped ")
                summary = SUMMARY.search(message)
                if summary:
                    summaries.append(summary)
            elif current is not None and current["level"] in ("ERROR", "CRITICAL"):
                # Tracebacks continue an ERROR line: show them, they are the why.
                print(line, end="", flush=True)
        returncode = proc.wait()

    elapsed = time.monotonic() - started
    print(f"\nlog: {args.log} ({elapsed:.0f}s)")
    if not summaries:
        print("No test summary found in the log: Odoo did not get to run the tests.")
        print("0 passed, 1 failed")
        return 1
    summary = summaries[-1]
    total = int(summary["total"])
    failed = int(summary["failed"]) + int(summary["errors"])
    if total == 0:
        print("Odoo ran no test: check --test-tags.")
        print("0 passed, 1 failed")
        return 1
    unexplained = [p for p in problems if "odoo.tests.result" not in p]
    if unexplained:
        print(f"{len(unexplained)} ERROR/CRITICAL line(s), or WARNING(s) of the addon:")
        for line in unexplained[:10]:
            print("  ", line[:200])
    passed = total - failed - skipped
    ok = failed == 0 and not unexplained and returncode == 0
    if not ok and failed == 0:
        # The tests passed but the run is not clean: count that as one failure.
        failed = 1
        print(f"odoo-bin exited {returncode}")
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
