"""This addon and OCA account_credit_control side by side on the bench data.

    python bench/bench_compare.py --db dunning_bench [--rounds 2]

(``make -C bench compare``, ``make bench-compare`` from the root). Steps:

1. The bench data: ``--db`` (made by generate.py) is used as it is, or
   generated first when it does not exist; it is only ever read (copied).
2. ``<cmp>_ours``: a copy of it, ``-u dunning_advanced`` with this
   repository's code. ``<cmp>_oca``: a copy of that, dunning_advanced
   uninstalled, OCA ``account_credit_control`` 18.0 installed (downloaded by
   oca.py with ``pip download --no-deps`` into bench/.cache, never into the
   repository) and a 3-level policy assigned to every customer (see
   ``oca.configure``). ``<cmp>`` is ``--db`` followed by ``_cmp``.
3. ``--rounds`` times, on fresh copies of both (``<cmp>_ours_run``,
   ``<cmp>_oca_run``), each step in its own Odoo process (a plain Python
   script using Odoo as a library, the date frozen at the data's day, the
   other side's addon absent), the two sides taking turns, the side that
   starts alternating from round to round:

   a. finding what to remind: this addon's preview of a manual run
      (``dunning.run.action_preview``: draft reminders, amounts, levels) and
      OCA's credit control run generating its lines
      (``credit.control.run.generate_credit_lines``: draft lines, levels);
   b. sending the same number of reminders, one per customer: the preview
      sent (``action_send``: re-checked, rendered, emails queued) and OCA's
      run sending its lines marked to be sent (``run_channel_action``:
      communications made, emails rendered and queued). The number is the
      smaller of the two sides' (OCA takes only items already due); the
      extra drafts of the other side are set aside before the step.

Printed: each step's median over the rounds of wall time, SQL queries and
peak resident memory of the process, and the ratio this addon / OCA (below 1:
this addon takes less); the figures of every run go to bench/out/ as JSON.

    python bench/bench_compare.py step ours find --db <cmp>_ours_run

runs one measured step and prints its figures (what the rounds call).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

import psycopg2
from freezegun import freeze_time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import oca  # noqa: E402
from odoo_env import (  # noqa: E402
    check_db_name,
    environment,
    load_odoo,
    parse_odoo_args,
)

import bench  # noqa: E402
from bench import wall_clock  # noqa: E402

ROOT = os.path.dirname(HERE)
STEPS = {
    "find": "finding what to remind",
    "send": "sending the reminders (render, queue emails)",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="*", help="(step SIDE STEP: one step only)")
    parser.add_argument("--db", default="dunning_bench")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--count", type=int, help="step send: reminders to send")
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--invoices", type=int, default=100000)
    parser.add_argument("--oca-cache", default=oca.DEFAULT_CACHE)
    parser.add_argument("--oca-requirement", default=oca.REQUIREMENT)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parse_odoo_args(parser, "this addon's side")
    return args


# ----------------------------------------------------------------------
# One measured step, in this process
# ----------------------------------------------------------------------


def measure(env, call):
    """Figures of ``call()`` (its writes flushed), as bench.py measures."""
    return bench.measure(env, call, slowest=3)


def _count(env, query, *params):
    env.cr.execute(query, params)
    return env.cr.fetchone()[0]


def _mail_counts(env):
    return {
        "mail_mail": _count(env, "SELECT COUNT(*) FROM mail_mail"),
        "mail_message": _count(env, "SELECT COUNT(*) FROM mail_message"),
    }


def _ours_run(env, today):
    return env["dunning.run"].search(
        [("run_type", "=", "manual"), ("date", "=", today)], limit=1
    )


def ours_find(env, today):
    run = env["dunning.run"].create(
        {"company_id": env.company.id, "date": today, "run_type": "manual"}
    )
    figures = measure(env, run.action_preview)[1]
    drafts = run.communication_ids.filtered(lambda c: c.state == "draft")
    figures["outcome"] = {
        "customers_checked": run.partner_done_count,
        "to_send": len(drafts),
        "lines": len(drafts.line_ids),
        "by_level": {
            level.name: len(drafts.filtered(lambda c, lv=level: c.level_id == lv))
            for level in drafts.level_id.sorted("sequence")
        },
    }
    return figures


def ours_send(env, today, count):
    run = _ours_run(env, today)
    drafts = run.communication_ids.filtered(lambda c: c.state == "draft")
    # Set aside (not measured): the drafts beyond the first ``count`` customers.
    drafts.sorted(lambda c: (c.partner_id.id, c.id))[count:].unlink()
    before = _mail_counts(env)
    figures = measure(env, run.action_send)[1]
    after = _mail_counts(env)
    sent = run.communication_ids
    figures["outcome"] = {
        "reminders": len(sent),
        "by_state": {
            state: len(sent.filtered(lambda c, s=state: c.state == s))
            for state in sorted(set(sent.mapped("state")))
        },
        **{f"{key}_created": after[key] - before[key] for key in after},
    }
    return figures


def oca_find(env, today):
    figures = measure(env, lambda: oca.find(env, today))[1]
    figures["outcome"] = oca.find_outcome(env, today)
    return figures


def oca_send(env, today, count):
    run = oca.prepare_send(env, today, count)
    before = _mail_counts(env)
    figures = measure(env, lambda: oca.send(env, run))[1]
    after = _mail_counts(env)
    figures["outcome"] = {
        **oca.send_outcome(env, run),
        **{f"{key}_created": after[key] - before[key] for key in after},
    }
    return figures


def run_step(args, side, step):
    """Measure one step in this process; ``find`` commits (the next process
    sends what it found), ``send`` rolls back (nothing after it)."""
    check_db_name(args.db, args.force_db)
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    with environment(odoo, args.db) as env:
        today = env["ir.config_parameter"].get_param("dunning_bench.today")
        if not today:
            sys.exit(f"{args.db} was not made by bench/generate.py")
    today = datetime.date.fromisoformat(today)
    functions = {
        ("ours", "find"): ours_find,
        ("ours", "send"): ours_send,
        ("oca", "find"): oca_find,
        ("oca", "send"): oca_send,
    }
    call = functions[side, step]
    with (
        freeze_time(f"{today} 06:00:00"),
        environment(odoo, args.db, commit=step == "find") as env,
    ):
        figures = call(env, today) if step == "find" else call(env, today, args.count)
    print(json.dumps({"side": side, "step": step, "date": str(today), **figures}))


# ----------------------------------------------------------------------
# The comparison: databases, rounds, table
# ----------------------------------------------------------------------


def _sh(*command, **kwargs):
    print("+", " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, **kwargs)


def _db_exists(name):
    with psycopg2.connect(dbname="postgres") as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def _copy_db(template, name):
    _sh("dropdb", "--if-exists", name)
    _sh("createdb", "-T", template, name)


def _odoo_bin(args, addons_path, db, *options):
    _sh(
        sys.executable,
        os.path.join(args.odoo_src, "odoo-bin"),
        f"--addons-path={addons_path}",
        "-d",
        db,
        "--no-http",
        "--max-cron-threads=0",
        "--stop-after-init",
        "--log-level=warn",
        *options,
    )


def _odoo_script(args, addons_path, db, code):
    """Run ``code`` with ``env`` (superuser) on ``db`` in a new process; commit."""
    script = (
        f"import sys; sys.path.insert(0, {HERE!r})\n"
        "from odoo_env import environment, load_odoo\n"
        f"odoo = load_odoo({args.odoo_src!r}, {addons_path!r}, {db!r})\n"
        f"with environment(odoo, {db!r}, commit=True) as env:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
    )
    _sh(sys.executable, "-c", script)


def prepare(args, cmp_db):
    """The bench data (reused, or generated), then the two sides' databases."""
    if not _db_exists(args.db):
        _sh(
            sys.executable,
            os.path.join(HERE, "generate.py"),
            f"--db={args.db}",
            f"--partners={args.partners}",
            f"--invoices={args.invoices}",
            f"--odoo-src={args.odoo_src}",
            f"--addons-path={args.addons_path}",
            *(["--force-db"] if args.force_db else []),
        )
    oca_path = oca.fetch(args.oca_cache, args.oca_requirement)
    ours, theirs = f"{cmp_db}_ours", f"{cmp_db}_oca"
    _copy_db(args.db, ours)
    _odoo_bin(args, args.addons_path, ours, "-u", "dunning_advanced")
    _copy_db(ours, theirs)
    # OCA's side without this addon: nothing of ours hooks into its work.
    _odoo_script(
        args,
        args.addons_path,
        theirs,
        "env['ir.module.module'].search([('name', '=', 'dunning_advanced')])"
        ".button_immediate_uninstall()",
    )
    oca_addons = f"{args.odoo_src}/addons,{oca_path}"
    _odoo_bin(args, oca_addons, theirs, "-i", "account_credit_control")
    _odoo_script(
        args,
        oca_addons,
        theirs,
        "import oca\nprint('OCA policy:', oca.configure(env), file=sys.stderr)",
    )
    return {"ours": (ours, args.addons_path), "oca": (theirs, oca_addons)}


def _step(args, side, step, db, addons_path, count=None):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "step",
        side,
        step,
        f"--db={db}",
        f"--odoo-src={args.odoo_src}",
        f"--addons-path={addons_path}",
        *(["--force-db"] if args.force_db else []),
        *([f"--count={count}"] if count is not None else []),
    ]
    print(f"+ {side} {step} on {db}", file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    figures = json.loads(output.stdout.strip().splitlines()[-1])
    print(
        f"  {figures['wall_s']} s, {figures['sql_queries']} queries, "
        f"{figures['peak_rss_mb']} MB, {figures['outcome']}",
        file=sys.stderr,
        flush=True,
    )
    return figures


def rounds(args, cmp_db, sides):
    results = []
    for index in range(args.rounds):
        order = ["ours", "oca"] if index % 2 == 0 else ["oca", "ours"]
        runs = {}
        for side in order:
            runs[side] = f"{sides[side][0]}_run"
            _copy_db(sides[side][0], runs[side])
        found = {
            side: _step(args, side, "find", runs[side], sides[side][1])
            for side in order
        }
        count = min(found[side]["outcome"]["to_send"] for side in order)
        sent = {
            side: _step(args, side, "send", runs[side], sides[side][1], count)
            for side in order
        }
        for side in order:
            _sh("dropdb", runs[side])
        results.append(
            {"round": index + 1, "order": order, "find": found, "send": sent}
        )
    return results


def _median(results, step, side, key):
    return statistics.median(r[step][side][key] for r in results)


FIGURES = (
    ("wall_s", "wall time", "{:,.1f} s"),
    ("cpu_s", "CPU (Python)", "{:,.1f} s"),
    ("sql_queries", "SQL queries", "{:,.0f}"),
    ("peak_rss_mb", "peak RSS", "{:,.0f} MB"),
)


def _row(title, label, fmt, ours, theirs):
    ratio = f"{ours / theirs:.2f}" if theirs else "-"
    return (
        f"| {title} | {label} | {fmt.format(ours)} | {fmt.format(theirs)} | {ratio} |"
    )


def table(results):
    """The medians as a Markdown table, then what each side did."""
    rows = [
        f"Medians of {len(results)} round(s); ratio = this addon / OCA "
        "(below 1: this addon takes less).",
        "",
        "| step | | this addon | OCA | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    sides = ("ours", "oca")
    for step, title in STEPS.items():
        for index, (key, label, fmt) in enumerate(FIGURES):
            medians = [_median(results, step, side, key) for side in sides]
            rows.append(_row(title if not index else "", label, fmt, *medians))
    totals = [
        sum(_median(results, step, side, "wall_s") for step in STEPS) for side in sides
    ]
    rows.append(_row("both steps", "wall time", "{:,.1f} s", *totals))
    last = results[-1]
    found, sent = last["find"], last["send"]
    rows += [
        "",
        "Found (last round): this addon "
        f"{found['ours']['outcome']['to_send']:,} reminders to send "
        f"({found['ours']['outcome']['lines']:,} lines, "
        f"{found['ours']['outcome']['customers_checked']:,} customers checked); "
        f"OCA {found['oca']['outcome']['lines']:,} credit control lines for "
        f"{found['oca']['outcome']['customers']:,} customers.",
        f"Sent (last round, the same number each): this addon "
        f"{sent['ours']['outcome']['reminders']:,} reminders "
        f"{sent['ours']['outcome']['by_state']}, "
        f"{sent['ours']['outcome']['mail_mail_created']:,} emails queued, "
        f"{sent['ours']['outcome']['mail_message_created']:,} messages; OCA "
        f"{sent['oca']['outcome']['communications']:,} communications, "
        f"{sent['oca']['outcome']['mail_mail_created']:,} emails queued, "
        f"{sent['oca']['outcome']['mail_message_created']:,} messages.",
        "Every run (wall s, find / send): "
        + "; ".join(
            f"round {r['round']} ({r['order'][0]} first): this addon "
            f"{r['find']['ours']['wall_s']} / {r['send']['ours']['wall_s']}, OCA "
            f"{r['find']['oca']['wall_s']} / {r['send']['oca']['wall_s']}"
            for r in results
        ),
        "Load average at the end of each step: "
        + ", ".join(
            f"{r[step][side]['load_average']:.1f}"
            for r in results
            for step in STEPS
            for side in r["order"]
        ),
    ]
    return "\n".join(rows)


def compare(args):
    cmp_db = f"{args.db}_cmp"
    for name in (args.db, cmp_db):
        check_db_name(name, args.force_db)
    start = wall_clock()
    sides = prepare(args, cmp_db)
    results = rounds(args, cmp_db, sides)
    report = table(results)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(args.out, f"compare-{stamp}.json")
    with open(path, "w") as out:
        json.dump(results, out, indent=1)
    report += f"\n\nTotal {wall_clock() - start:.0f} s; every figure in {path}"
    with open(path[: -len(".json")] + ".md", "w") as out:
        out.write(report + "\n")
    print(report)


def main():
    args = parse_args()
    if args.what[:1] == ["step"]:
        _step_, side, step = args.what
        run_step(args, side, step)
    elif not args.what:
        compare(args)
    else:
        sys.exit(f"Unknown command {' '.join(args.what)!r}")


if __name__ == "__main__":
    main()
