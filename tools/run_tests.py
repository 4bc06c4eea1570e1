"""Run the addon's tests on a fresh database and judge the whole log.

The run fails when a test fails or errors, when the log holds an ERROR or
CRITICAL line, or when the addon itself logs a WARNING. It ends with the line
``N passed, N failed`` (``, N skipped`` when some were skipped), preceded by
the name of every test that failed or errored and the option that runs it
again alone.

With ``--counts FILE`` the result is also appended to FILE as one line
``passed failed skipped addon``, so that tools/sum_test_counts.py can total
several runs (the Makefile runs the bridge addon's tests on a second database).

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
# What Odoo's test result logs, under the test's module, for a broken test:
# "FAIL: TestClass.test_method", "ERROR: TestClass.test_method", "ERROR:
# Subtest TestClass.test_method (...)" or "ERROR: setUpClass (module.Class)".
BROKEN = re.compile(r"^(?P<flavour>FAIL|ERROR): (?P<test>.+?)\s*$")
SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests "
    r"when loading database"
)
ADDON = "dunning_advanced"  # --addon changes it
# Loggers whose WARNINGs fail the run: the addon's and its bridges'.
WATCHED = "addons.dunning_advanced"
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
    parser.add_argument(
        "--addon",
        default=ADDON,
        help="the addon whose tests are named and whose warnings fail the run",
    )
    parser.add_argument("--counts", help="append 'passed failed skipped addon' here")
    return parser.parse_args()


def write_counts(path, passed, failed, skipped):
    if path:
        with Path(path).open("a", encoding="utf-8") as counts:
            counts.write(f"{passed} {failed} {skipped} {ADDON}\n")


def broken_test(logger, message):
    """``(flavour, name)`` of a test of the addon that failed or errored, from
    the first line of its log record, or None. The name is
    ``module.Class.method`` (the module under tests/), or ``module.Class`` when
    the class as a whole broke (setUpClass), so it can be found and run again."""
    match = BROKEN.match(message)
    if not match:
        return None
    test = match["test"]
    holder = re.fullmatch(r"\w+ \((?:[\w.]+\.)?tests\.(\w+)\.(\w+)\)", test)
    if holder and f"{ADDON}.tests." in test:  # "setUpClass (odoo.addons....Class)"
        return match["flavour"], f"{holder[1]}.{holder[2]}"
    if not logger.startswith(f"odoo.addons.{ADDON}.tests."):
        return None
    if test.startswith("Subtest "):
        test = test[len("Subtest ") :].split(" ", 1)[0]
    if re.fullmatch(r"\w+\.\w+", test):
        test = f"{logger.rsplit('.', 1)[-1]}.{test}"
    return match["flavour"], test


def rerun_tag(test):
    """The --test-tags value that runs ``test`` (module.Class[.method]) alone."""
    parts = test.split(".")
    if len(parts) in (2, 3) and all(re.fullmatch(r"\w+", part) for part in parts):
        return f"/{ADDON}:{'.'.join(parts[1:])}"
    return None


def drop_database(name):
    subprocess.run(["dropdb", "--if-exists", name], check=True)


def main():
    global ADDON  # one run, one addon
    args = parse_args()
    ADDON = args.addon
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
    problems, summaries, skipped, broken = [], [], 0, []
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
                test = None
                if level in ("ERROR", "CRITICAL"):
                    test = broken_test(logger, message)
                    if test and test not in broken:
                        broken.append(test)
                if level in ("ERROR", "CRITICAL") or (
                    level == "WARNING" and WATCHED in logger
                ):
                    if not test:  # a broken test is listed by name at the end
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
        write_counts(args.counts, 0, 1, 0)
        return 1
    summary = summaries[-1]
    total = int(summary["total"])
    failed = int(summary["failed"]) + int(summary["errors"])
    if total == 0:
        print("Odoo ran no test: check --test-tags.")
        print("0 passed, 1 failed")
        write_counts(args.counts, 0, 1, 0)
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
    if broken:
        print("Failed or errored:")
        for flavour, test in broken:
            tag = rerun_tag(test)
            again = f"  (again: --test-tags {tag})" if tag else ""
            print(f"  {flavour}: {test}{again}")
    print(f"{passed} passed, {failed} failed{tail}")
    write_counts(args.counts, passed, failed, skipped)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
