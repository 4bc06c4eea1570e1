"""Time the daily risk scores and the daily dunning run on the bench database.

    python bench/bench.py scores  --db dunning_bench_run [--days-after 1]
    python bench/bench.py dunning --db dunning_bench_run [--days-after 1]
    python bench/bench.py views    --db dunning_bench_run
    python bench/bench.py snapshot --db dunning_bench_run

``views`` opens the screens of the credit controller's morning as the web
client does (Today, aged receivables today and six months ago, a customer's
open items, the KPI dashboard and trends, reminder effectiveness, a
statement), ``snapshot`` times the daily KPI snapshot; both roll back.
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
import cProfile
import datetime
import json
import os
import re
import resource
import sys
import threading
import time

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo, parse_odoo_args

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["scores", "dunning", "views", "snapshot"])
    parser.add_argument("--db", default="dunning_bench_run")
    parser.add_argument("--days-after", type=int, default=0)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="write a cProfile of the measured call to FILE (slower; for "
        "finding where the time goes, not for figures)",
    )
    args = parse_odoo_args(parser)
    return args


class QueryStats:
    """Count and time per query shape, from Odoo's cursor hook."""

    # Numbers, strings and savepoint names (uuids) vary; the shape stays.
    NUMBERS = re.compile(r"\"[0-9a-f-]{36}\"|\b\d+\b|'[^']*'")

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


def measure(env, call, profile=None, slowest=5):
    """``call()`` measured as a cron worker would run it (empty cache, its
    writes flushed), and profiled into the file ``profile``: (its result,
    the figures). The one measuring harness of bench.py, bench_risk.py and
    bench_compare.py."""
    env.flush_all()
    env.invalidate_all()  # a cron worker starts with an empty cache
    stats = QueryStats()
    thread = threading.current_thread()
    thread.query_hooks = [stats]
    queries = env.cr.sql_log_count
    rss_before = rss_mb()
    wall, cpu = wall_clock(), cpu_clock()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = call()
    env.flush_all()  # what the cron's commit writes
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    wall, cpu = wall_clock() - wall, cpu_clock() - cpu
    del thread.query_hooks
    return result, {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "sql_queries": env.cr.sql_log_count - queries,
        "sql_s": round(sum(stats.time.values()), 2),
        # Each is a subtransaction: many of them slow every later write down
        # (see dunning.communication._isolated).
        "savepoints": stats.count["SAVEPOINT N"],
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": os.getloadavg()[0],
        "slowest_queries": stats.top(slowest),
    }


def run(env, what, profile=None):
    """The cron's call, measured; returns the figures."""
    if what == "scores":
        call = env["dunning.credit.profile"]._cron_compute_risk_scores
    else:
        call = env["dunning.run"]._cron_run_dunning
    return measure(env, call, profile)[1]


def outcome(env, what, today):
    if what == "scores":
        # A score kept from an earlier day (nothing changed) keeps its day.
        env.cr.execute(
            "SELECT COUNT(*) FILTER (WHERE risk_date = %s), COUNT(*) "
            "FROM dunning_credit_profile",
            [today],
        )
        scored, profiles = env.cr.fetchone()
        env.cr.execute(
            "SELECT risk_class, COUNT(*) FROM dunning_credit_profile "
            "GROUP BY 1 ORDER BY 1"
        )
        classes = dict(env.cr.fetchall())
        env.cr.execute(
            "SELECT hold_state, COUNT(*) FROM dunning_credit_profile GROUP BY 1"
        )
        return {
            "customers_scored": scored,
            "scores_kept": profiles - scored,
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


# The fields each list shows, as the web client asks for them.
WORKLIST_SPEC = {
    "partner_id": {"fields": {"display_name": {}}},
    "reason": {},
    "reasons_text": {},
    "currency_id": {"fields": {}},
    "amount_at_stake": {},
    "amount_overdue": {},
    "max_days_late": {},
    "risk_class": {},
    "hold_state": {},
    "collector_id": {"fields": {"display_name": {}}},
}
AGED_SPEC = {
    "partner_id": {"fields": {"display_name": {}}},
    "move_id": {"fields": {"display_name": {}}},
    "move_type": {},
    "date": {},
    "date_maturity": {},
    "days_late": {},
    "level_id": {"fields": {"display_name": {}}},
    "disputed": {},
    "company_currency_id": {"fields": {}},
    "amount_residual": {},
}
AGED_MEASURES = [
    f"amount_{code}:sum"
    for code in ("not_due", "1_30", "31_60", "61_90", "91_120", "over_120", "residual")
]


def _worklist_reasons(env, today, customers=300):
    """Reasons for Today on the bench data (it has none): a call due for
    ``customers`` overdue customers, a promise due today for a third of them,
    a dispute waiting a week for a tenth. Rolled back with the rest."""
    env.cr.execute(
        """
        SELECT p.commercial_partner_id, MIN(l.move_id)
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
          JOIN res_partner p ON p.id = l.partner_id
         WHERE a.account_type = 'asset_receivable' AND NOT l.reconciled
           AND l.date_maturity < %s AND l.balance > 0
      GROUP BY 1 ORDER BY SUM(l.amount_residual) DESC LIMIT %s
        """,
        [today, customers],
    )
    rows = env.cr.fetchall()
    partners = env["res.partner"].browse([row[0] for row in rows])
    call = env.ref("mail.mail_activity_data_call")
    env["mail.activity"].create(
        [
            {
                "res_model_id": env["ir.model"]._get_id("res.partner"),
                "res_id": partner.id,
                "activity_type_id": call.id,
                "date_deadline": today,
                "user_id": env.ref("base.user_admin").id,
            }
            for partner in partners
        ]
    )
    for partner_id, move_id in rows[: customers // 3]:
        move = env["account.move"].browse(move_id)
        env["dunning.promise"].create(
            {
                "partner_id": partner_id,
                "move_ids": [(6, 0, [move_id])],
                "date": today,
                "amount": move.amount_residual or 1.0,
            }
        )
    for _partner_id, move_id in rows[: customers // 10]:
        env["dunning.dispute"].create({"move_id": move_id, "reason": "Bench"})
    env.cr.execute(
        "UPDATE dunning_dispute SET create_date = create_date - interval '8 days'"
    )
    return len(partners)


def _timed(env, calls, repeat=3):
    """{name: (median s, max s)} of each call, an empty cache before each."""
    result = {}
    for name, call in calls:
        times = []
        for _index in range(repeat):
            env.invalidate_all()
            start = wall_clock()
            call()
            times.append(wall_clock() - start)
        times.sort()
        result[name] = (round(times[len(times) // 2], 3), round(times[-1], 3))
    return result


def bench_views(env, today):
    """Open every screen of the credit controller's morning as the web client
    does (first page of a list, whole pivot), three times each."""
    company = env.company
    reasons = _worklist_reasons(env, today)
    env.flush_all()
    Worklist = env["dunning.worklist"]
    Aged = env["dunning.aged.receivable"]
    half_year = today - datetime.timedelta(days=182)
    env.cr.execute(
        """SELECT p.commercial_partner_id FROM account_move_line l
             JOIN res_partner p ON p.id = l.partner_id
            WHERE NOT l.reconciled AND l.balance > 0 AND l.parent_state = 'posted'
         GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"""
    )
    biggest = env["res.partner"].browse(env.cr.fetchone()[0])
    open_items = biggest.action_view_credit_items()
    Snapshot = env["dunning.kpi.snapshot"]
    for months in range(12, 0, -1):  # a snapshot a month for the trends
        Snapshot._take(company, today - relativedelta(months=months))
    calls = [
        (
            "Today: list (80 rows)",
            lambda: Worklist.web_search_read([], WORKLIST_SPEC, limit=80),
        ),
        (
            "Aged receivables: pivot by customer, all customers",
            lambda: Aged.read_group([], AGED_MEASURES, ["partner_name"], lazy=False),
        ),
        (
            "Aged receivables: pivot by salesperson and age",
            lambda: Aged.read_group(
                [], ["amount_residual:sum"], ["user_id", "age_bucket"], lazy=False
            ),
        ),
        (
            "Aged receivables: list (80 rows)",
            lambda: Aged.web_search_read([], AGED_SPEC, limit=80),
        ),
        (
            f"Aged receivables on {half_year}: pivot by customer",
            lambda: Aged.with_context(dunning_as_of=str(half_year)).read_group(
                [], AGED_MEASURES, ["partner_name"], lazy=False
            ),
        ),
        (
            "Exposure button: open items of the customer with most items",
            lambda: Aged.with_context(**open_items["context"]).web_search_read(
                open_items["domain"], AGED_SPEC, limit=80
            ),
        ),
        (
            "KPI dashboard",
            lambda: env["dunning.kpi.dashboard"].create({}).dashboard_html,
        ),
        (
            "KPI trends: graph by month",
            lambda: Snapshot.read_group(
                [], ["dso:avg", "cei:avg"], ["date:month"], lazy=False
            ),
        ),
        (
            "Reminder effectiveness: pivot by level and channel",
            lambda: env["dunning.reminder.effectiveness"].read_group(
                [],
                ["amount_reminded:sum", "amount_paid_30:sum"],
                ["level_id", "channel"],
                lazy=False,
            ),
        ),
        (
            "Statement PDF of the customer with most items",
            lambda: env["res.partner"]._dunning_statement_pdf(biggest, company),
        ),
    ]
    return {
        "worklist_customers_with_reasons": reasons,
        "worklist_rows": Worklist.search_count([]),
        "aged_items_today": Aged.search_count([]),
        "open_items_of_biggest": Aged.search_count(open_items["domain"]),
        "reminder_lines": env["dunning.reminder.effectiveness"].search_count([]),
        "load_average": os.getloadavg()[0],
        "seconds_median_max": _timed(env, calls),
    }


def bench_snapshot(env, today):
    """The daily KPI snapshot of the company, timed like the other runs."""
    env.flush_all()
    env.invalidate_all()
    stats = QueryStats()
    thread = threading.current_thread()
    thread.query_hooks = [stats]
    queries = env.cr.sql_log_count
    wall, cpu = wall_clock(), cpu_clock()
    env["dunning.kpi.snapshot"]._cron_take_snapshots()
    env.flush_all()
    wall, cpu = wall_clock() - wall, cpu_clock() - cpu
    del thread.query_hooks
    snapshot = env["dunning.kpi.snapshot"].search([("date", "=", today)], limit=1)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "sql_queries": env.cr.sql_log_count - queries,
        "sql_s": round(sum(stats.time.values()), 2),
        "load_average": os.getloadavg()[0],
        "slowest_queries": stats.top(),
        "snapshot": snapshot.read(
            ["receivable", "overdue_share", "dso", "best_dso", "days_delinquent", "cei"]
        )[0],
    }


def main():
    args = parse_args()
    check_db_name(args.db, args.force_db)
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    with environment(odoo, args.db) as env:
        generated = env["ir.config_parameter"].get_param("dunning_bench.today")
        if not generated:
            sys.exit(f"{args.db} was not made by bench/generate.py")
    today = datetime.date.fromisoformat(generated)
    today += datetime.timedelta(days=args.days_after)
    if args.what in ("views", "snapshot"):
        # Read-only figures: measured, then rolled back.
        with (
            freeze_time(f"{today} 09:00:00"),
            environment(odoo, args.db) as env,
        ):
            bench = bench_views if args.what == "views" else bench_snapshot
            result = {"what": args.what, "date": str(today), **bench(env, today)}
        print(json.dumps(result, indent=1, default=str))
        return
    with (
        freeze_time(f"{today} 06:00:00"),
        environment(odoo, args.db, commit=True) as env,
    ):
        steps = StepTimer(env, DUNNING_STEPS) if args.what == "dunning" else None
        result = {
            "what": args.what,
            "date": str(today),
            **run(env, args.what, args.profile),
        }
        result.update(outcome(env, args.what, today))
        if steps:
            result["steps_s_calls"] = steps.report()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
