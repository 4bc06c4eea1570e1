"""Time the daily risk scores and the daily dunning run on the bench database.

    python bench/bench.py scores  --db dunning_bench_run [--days-after 1]
    python bench/bench.py dunning --db dunning_bench_run [--days-after 1]

``scores`` calls ``dunning.credit.profile._cron_compute_risk_scores()``,
``dunning`` calls ``dunning.run._cron_run_dunning()``, both as the cron's
superuser without the cron progress context, so one call does every batch.
The date is frozen (freezegun) at the day the data was generated, plus
``--days-after``. The work is committed, as the cron would: run this on a copy
of the generated database (``make -C bench`` does), then run it again with
``--days-after 1`` for the next day.

Reported: wall and CPU time of this process, SQL queries and their time (the
slowest query shapes too), resident memory before the call and at its peak
(getrusage maxrss: this process only does one call), what was created, and
for ``dunning`` the time spent in each step of the run and of the sending.
"""

import argparse
import collections
import datetime
import json
import os
import re
import resource
import sys
import threading
import time

from freezegun import freeze_time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo

# Bound before freezegun patches the time module (a method wrapper is not the
# function itself, so freezegun leaves it alone): clocks that keep running.
wall_clock = time.perf_counter.__call__
cpu_clock = time.process_time.__call__

# Steps of the dunning run timed separately (inclusive: a step's time
# contains the steps it calls).
DUNNING_STEPS = {
    "dunning.run": [
        "_candidate_partner_ids",
        "_open_items",
        "_prepare_communications",
        "_refresh_dunning_holds",
        "_attach_letters",
    ],
    "dunning.communication": [
        "_send",
        "_recheck",
        "_compute_charges",
        "_prepare_documents",
        "_render_emails",
        "_deliver",
        "_output_channels",
        "_queue_emails",
        "_attach_letter",
        "_post_fees",
        "_apply_credit_holds",
        "_log_history",
        "_start_legal_stage",
        "_render_letters_pdf",
    ],
    "mail.template": ["_generate_template"],
}


def parse_args():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["scores", "dunning"])
    parser.add_argument("--db", default="dunning_bench_run")
    parser.add_argument("--days-after", type=int, default=0)
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo"))
    parser.add_argument("--addons-path", default=None)
    args = parser.parse_args()
    args.addons_path = args.addons_path or f"{args.odoo_src}/addons,{root}"
    return args


class QueryStats:
    """Count and time per query shape, from Odoo's cursor hook."""

    NUMBERS = re.compile(r"\b\d+\b|'[^']*'")

    def __init__(self):
        self.time = collections.defaultdict(float)
        self.count = collections.Counter()

    def __call__(self, cr, query, params, start, delay):
        text = query.decode() if isinstance(query, bytes) else str(query)
        shape = self.NUMBERS.sub("N", " ".join(text.split()))[:100]
        self.time[shape] += delay
        self.count[shape] += 1

    def top(self, n=5):
        shapes = sorted(self.time, key=self.time.get, reverse=True)[:n]
        return [(round(self.time[s], 2), self.count[s], s) for s in shapes]


class StepTimer:
    """Inclusive time and calls of some methods of the registry's classes."""

    def __init__(self, env, steps):
        self.time = collections.defaultdict(float)
        self.calls = collections.Counter()
        for model, names in steps.items():
            cls = type(env[model])
            for name in names:
                setattr(cls, name, self._wrap(f"{model}.{name}", getattr(cls, name)))

    def _wrap(self, key, method):
        depth = collections.Counter()

        def timed(*args, **kwargs):
            depth[key] += 1
            start = wall_clock()
            try:
                return method(*args, **kwargs)
            finally:
                depth[key] -= 1
                if not depth[key]:  # recursion counted once
                    self.time[key] += wall_clock() - start
                    self.calls[key] += 1

        return timed

    def report(self):
        return {
            key: (round(self.time[key], 2), self.calls[key])
            for key in sorted(self.time, key=self.time.get, reverse=True)
        }


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def count(env, query, *params):
    env.cr.execute(query, params)
    return env.cr.fetchone()[0]


def run(env, what):
    """The call, measured; returns the figures."""
    env.flush_all()
    env.invalidate_all()  # a cron worker starts with an empty cache
    stats = QueryStats()
    thread = threading.current_thread()
    thread.query_hooks = [stats]
    queries = env.cr.sql_log_count
    rss_before = rss_mb()
    wall, cpu = wall_clock(), cpu_clock()
    if what == "scores":
        env["dunning.credit.profile"]._cron_compute_risk_scores()
    else:
        env["dunning.run"]._cron_run_dunning()
    env.flush_all()  # what the cron's commit writes
    wall, cpu = wall_clock() - wall, cpu_clock() - cpu
    del thread.query_hooks
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "sql_queries": env.cr.sql_log_count - queries,
        "sql_s": round(sum(stats.time.values()), 1),
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": os.getloadavg()[0],
        "slowest_queries": stats.top(),
    }


def outcome(env, what, today):
    if what == "scores":
        env.cr.execute(
            "SELECT risk_class, COUNT(*) FROM dunning_credit_profile "
            "WHERE risk_date = %s GROUP BY 1 ORDER BY 1",
            [today],
        )
        classes = dict(env.cr.fetchall())
        env.cr.execute(
            "SELECT hold_state, COUNT(*) FROM dunning_credit_profile GROUP BY 1"
        )
        return {
            "customers_scored": sum(classes.values()),
            "risk_classes": classes,
            "hold_states": dict(env.cr.fetchall()),
        }
    run_ = env["dunning.run"].search([("date", "=", today)], limit=1)
    env.cr.execute(
        "SELECT l.name->>'en_US', COUNT(*) FROM dunning_communication c "
        "JOIN dunning_level l ON l.id = c.level_id WHERE c.run_id = %s "
        "AND c.state IN ('pending', 'sent', 'delivery_failed') "
        "GROUP BY 1 ORDER BY MIN(l.sequence)",
        [run_.id],
    )
    by_level = dict(env.cr.fetchall())
    return {
        "customers_checked": run_.partner_done_count,
        "reminders_sent": sum(by_level.values()),
        "customers_reminded": count(
            env,
            "SELECT COUNT(DISTINCT partner_id) FROM dunning_communication "
            "WHERE run_id = %s AND state IN ('pending', 'sent', 'delivery_failed')",
            run_.id,
        ),
        "errors": count(
            env,
            "SELECT COUNT(*) FROM dunning_communication "
            "WHERE run_id = %s AND state = 'error'",
            run_.id,
        ),
        "to_approve": count(
            env,
            "SELECT COUNT(*) FROM dunning_communication "
            "WHERE run_id = %s AND state = 'to_approve'",
            run_.id,
        ),
        "by_level": by_level,
        "reminder_lines": count(
            env,
            "SELECT COUNT(*) FROM dunning_communication_line l "
            "JOIN dunning_communication c ON c.id = l.communication_id "
            "WHERE c.run_id = %s",
            run_.id,
        ),
        "emails_queued": count(
            env,
            "SELECT COUNT(*) FROM dunning_communication "
            "WHERE run_id = %s AND mail_id IS NOT NULL",
            run_.id,
        ),
        "letters": count(
            env,
            "SELECT COUNT(*) FROM dunning_communication "
            "WHERE run_id = %s AND letter_attachment_id IS NOT NULL",
            run_.id,
        ),
        "letters_pdf_kb": round(
            (run_.letters_attachment_id.file_size or 0) / 1024,
        ),
    }


def main():
    args = parse_args()
    check_db_name(args.db)
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    with environment(odoo, args.db) as env:
        generated = env["ir.config_parameter"].get_param("dunning_bench.today")
        if not generated:
            sys.exit(f"{args.db} was not made by bench/generate.py")
    today = datetime.date.fromisoformat(generated)
    today += datetime.timedelta(days=args.days_after)
    with (
        freeze_time(f"{today} 06:00:00"),
        environment(odoo, args.db, commit=True) as env,
    ):
        steps = StepTimer(env, DUNNING_STEPS) if args.what == "dunning" else None
        result = {"what": args.what, "date": str(today), **run(env, args.what)}
        result.update(outcome(env, args.what, today))
        if steps:
            result["steps_s_calls"] = steps.report()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
