"""Time the risk scores: a full computation, then the next days, incremental.

    createdb -T dunning_bench dunning_bench_risk
    python bench/bench_risk.py --db dunning_bench_risk

On a copy of the database made by ``generate.py`` (the work is committed, as
the cron commits it), three days of
``dunning.credit.profile._cron_compute_risk_scores()``, each in one call as
the cron's superuser without the cron progress context (so one call does
every batch), the date frozen at the day the data was generated, then +1, +2:

- ``full``: every customer scored (on a fresh copy the profiles are created;
  on a copy scored before, ``--rescore`` forgets the scores first, as a change
  of the risk settings does);
- ``next_day``: nothing changed; only what the calendar moves is scored (an
  invoice that fell due, passed the warning or hold days, or a payment that
  left the twelve months looked at), the other scores are carried over;
- ``after_payments``: ``--payments`` open invoices of as many customers
  paid in full through Odoo's payment wizard (not timed), then the day's run:
  those customers are scored again.

Reported for each: wall and CPU time of this process, SQL queries and their
time (the slowest query shapes too), customers scored (score computed that
day) and carried over, the classes, the hold states; peak resident memory of
the process at the end. ``--check`` then scores every customer afresh on the
last day (rolled back) and counts the profiles whose score, factors, hold or
exposure differ from what the incremental runs kept (expected: 0).
"""

import argparse
import datetime
import json
import os
import resource
import sys

from freezegun import freeze_time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo, parse_odoo_args

from bench import measure


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dunning_bench_risk")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="customers per batch (default: the cron's)",
    )
    parser.add_argument(
        "--payments",
        type=int,
        default=100,
        help="open invoices paid before the third day (0: no third day)",
    )
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="forget the scores first, so that the first day scores everyone",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="write a cProfile of the first day's call to FILE (slower)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="at the end, score everyone afresh (rolled back) and compare",
    )
    args = parse_odoo_args(parser)
    return args


def scores(env, batch_size=None, profile=None):
    """The cron's call, measured (and profiled into the file ``profile``)."""
    kwargs = {"batch_size": batch_size} if batch_size else {}
    return measure(
        env,
        lambda: env["dunning.credit.profile"]._cron_compute_risk_scores(**kwargs),
        profile,
    )[1]


def outcome(env, started):
    env.cr.execute(
        """
        SELECT COUNT(*) FILTER (WHERE risk_scored_at >= %s),
               COUNT(*) FILTER (WHERE risk_scored_at < %s)
          FROM dunning_credit_profile
        """,
        [started, started],
    )
    scored, carried = env.cr.fetchone()
    env.cr.execute(
        "SELECT risk_class, COUNT(*) FROM dunning_credit_profile GROUP BY 1 ORDER BY 1"
    )
    classes = dict(env.cr.fetchall())
    env.cr.execute(
        "SELECT hold_state, COUNT(*) FROM dunning_credit_profile GROUP BY 1 ORDER BY 1"
    )
    return {
        "customers_scored": scored,
        "customers_carried_over": carried,
        "risk_classes": classes,
        "hold_states": dict(env.cr.fetchall()),
    }


# What a score carried over must equal when computed afresh.
COMPARED = [
    "risk_score",
    "risk_class",
    "risk_floor",
    "risk_na_factors",
    "risk_days_late",
    "risk_late_share",
    "risk_overdue_ratio",
    "risk_limit_usage",
    "risk_dunning_level",
    "risk_broken_promises",
    "risk_external_rating",
    "risk_paid_count",
    "hold_state",
    "hold_reason",
    "exposure_amount",
    "overdue_amount",
    "credit_limit",
    "max_days_overdue",
]


def check(odoo, args, today):
    """Every customer scored afresh on ``today`` (rolled back): the scores the
    incremental runs kept must be the same."""
    columns = ", ".join(COMPARED)
    with (
        freeze_time(f"{today} 07:00:00"),
        environment(odoo, args.db) as env,
    ):
        env.cr.execute(f"SELECT partner_id, {columns} FROM dunning_credit_profile")
        kept = {row[0]: row[1:] for row in env.cr.fetchall()}
        env.cr.execute(
            "UPDATE dunning_credit_profile SET risk_date = NULL, risk_scored_at = NULL"
        )
        env["dunning.credit.profile"]._cron_compute_risk_scores()
        env.flush_all()
        env.cr.execute(f"SELECT partner_id, {columns} FROM dunning_credit_profile")
        fresh = {row[0]: row[1:] for row in env.cr.fetchall()}
    differences = [
        {
            "partner_id": partner_id,
            **{
                name: [old, new]
                for name, old, new in zip(
                    COMPARED, kept.get(partner_id, ()), values, strict=False
                )
                if old != new
            },
        }
        for partner_id, values in fresh.items()
        if kept.get(partner_id) != values
    ]
    return {
        "date": str(today),
        "customers": len(fresh),
        "different": len(differences),
        "examples": differences[:5],
    }


def pay_invoices(env, count, today):
    """Pay in full the oldest open invoice of ``count`` customers."""
    env.cr.execute(
        """
        SELECT DISTINCT ON (m.partner_id) m.id
          FROM account_move m
         WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.payment_state = 'not_paid'
      ORDER BY m.partner_id, m.invoice_date_due
         LIMIT %s
        """,
        [count],
    )
    invoices = env["account.move"].browse([row[0] for row in env.cr.fetchall()])
    for invoice in invoices:
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": today})._create_payments()
    env.flush_all()
    return len(invoices)


def day(odoo, args, today, prepare=None, profile=None):
    with (
        freeze_time(f"{today} 06:00:00"),
        environment(odoo, args.db, commit=True) as env,
    ):
        before = {}
        if prepare:
            before = prepare(env)
            env.cr.commit()  # the day's changes, made before the cron runs
        started = env.cr.now()
        result = {"date": str(today), **before, **scores(env, args.batch_size, profile)}
        result.update(outcome(env, started))
    return result


def main():
    args = parse_args()
    check_db_name(args.db, args.force_db)
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    with environment(odoo, args.db) as env:
        generated = env["ir.config_parameter"].get_param("dunning_bench.today")
        if not generated:
            sys.exit(f"{args.db} was not made by bench/generate.py")
    today = datetime.date.fromisoformat(generated)

    def forget(env):
        env.cr.execute(
            "UPDATE dunning_credit_profile SET risk_date = NULL, risk_scored_at = NULL"
        )
        return {"scores_forgotten": env.cr.rowcount}

    results = {
        "full": day(odoo, args, today, forget if args.rescore else None, args.profile),
        "next_day": day(odoo, args, today + datetime.timedelta(days=1)),
    }
    if args.payments:
        paid_on = today + datetime.timedelta(days=2)
        results["after_payments"] = day(
            odoo,
            args,
            paid_on,
            lambda env: {"invoices_paid": pay_invoices(env, args.payments, paid_on)},
        )
    if args.check:
        last = today + datetime.timedelta(days=2 if args.payments else 1)
        results["check"] = check(odoo, args, last)
    results["peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
