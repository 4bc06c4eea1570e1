"""Run Odoo (odoo-bin and its options) with a shifted clock, to see how the
tests behave when the day changes: at midnight in Rome, at midnight UTC, or
in the hour when the date in Rome is not the date in UTC.

Two shifts, alone or together:

``--now "2026-12-05 23:59:50"``
    The wall clock starts at that UTC instant and ticks on: it moves what the
    tests that freeze nothing see (datetime, date, time.time). PostgreSQL's
    clock does not move: ``create_date`` keeps the real time.

``--days-at 00:30 --tz Europe/Rome``
    Every ``freeze_time`` of a bare day (``"2026-03-10"`` or a ``date``) in
    the tests freezes that day at 00:30 in Rome instead of at 00:00 UTC, that
    is at 23:30 UTC of the day before. Code that takes the date in UTC instead
    of the company's time zone then sees the day before.

Example::

    .venv/bin/python tools/shifted_clock.py --days-at 00:30 --tz Europe/Rome -- \\
        /opt/odoo/odoo-bin --addons-path=... -d DB --http-port=PORT \\
        --test-tags /dunning_advanced:TestRiskScore --stop-after-init
"""

import argparse
import datetime
import logging  # noqa: F401  imported before the clock moves: keeps the real localtime
import os
import re
import runpy
import sys
from zoneinfo import ZoneInfo

import freezegun
import freezegun.api

BARE_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--now", help="UTC instant the wall clock starts at")
    parser.add_argument("--days-at", help="local time of the frozen bare days")
    parser.add_argument("--tz", default="Europe/Rome", help="zone of --days-at")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("give the odoo-bin command after --")
    return args


def day_at(value, at, zone):
    """``value`` (a bare day) at local time ``at`` of ``zone``, as naive UTC;
    anything else unchanged."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        day = value
    elif isinstance(value, str) and BARE_DAY.match(value.strip()):
        day = datetime.date.fromisoformat(value.strip())
    else:
        return value
    local = datetime.datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def shift_frozen_days(at, zone):
    original = freezegun.api.freeze_time

    def freeze_time(time_to_freeze=None, *args, **kwargs):
        return original(day_at(time_to_freeze, at, zone), *args, **kwargs)

    freezegun.freeze_time = freezegun.api.freeze_time = freeze_time


def main():
    args = parse_args(sys.argv[1:])
    if args.days_at:
        shift_frozen_days(datetime.time.fromisoformat(args.days_at), ZoneInfo(args.tz))
    script = args.command[0]
    sys.argv = args.command
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    if args.now:
        with freezegun.freeze_time(args.now, tick=True):
            runpy.run_path(script, run_name="__main__")
    else:
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
