"""The growth curve: the daily jobs at 1k, 10k, 20k and 100k customers.

    python bench/growth.py [--sizes 1k,10k,20k,100k] [--generate] [--nice 10]

For each size, on a fresh copy of the size's database (``createdb -T``):
risk scores on the first day and the next day, then on another fresh copy
the dunning run on the first day, the next day and the next day again (a
same-day rerun). Each step is ``bench.py scores|dunning [--days-after 1]`` in
its own process, as ``make -C bench scores dunning`` runs it (through
``growth_step.py``, which adds the most frequent query shapes to bench.py's
JSON); its JSON is collected. Printed as a table (size x step) and written to
``bench/out/growth-<date>.json`` and ``.md``.

Sizes (customers / invoices over 18 months) and their databases:

    1k    1,000 / 10,000        dunning_bench_g1k
    10k   10,000 / 100,000      dunning_bench      (``make data``, never written)
    20k   20,000 / 300,000      dunning_bench_g20k
    100k  100,000 / 1,000,000   dunning_bench_g100k

A missing database stops the run, unless ``--generate``: then
``generate.py`` makes it (about 1 minute at 10k, 20 at 100k). The copies the
steps write are named ``<--run-prefix><size>_run`` (default
``dunning_bench_g1k_run`` ...) and dropped after, unless ``--keep``.

The steps run one after the other under ``nice`` (``--nice``, default 10):
the figures are a single process on a shared machine, so the load average
before and after each step is recorded with it.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, parse_odoo_args

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# label: (customers, invoices, database)
SIZES = {
    "1k": (1000, 10000, "dunning_bench_g1k"),
    "10k": (10000, 100000, "dunning_bench"),
    "20k": (20000, 300000, "dunning_bench_g20k"),
    "100k": (100000, 1000000, "dunning_bench_g100k"),
}
# (label, bench.py command, --days-after, a fresh copy before it)
STEPS = (
    ("scores, first day", "scores", 0, True),
    ("scores, next day", "scores", 1, False),
    ("dunning, first day", "dunning", 0, True),
    ("dunning, next day", "dunning", 1, False),
    ("dunning, same day again", "dunning", 1, False),
)
# bench.py's figures of the day's run (not of the call measured).
RUN_FIGURES = (
    "customers_checked",
    "reminders_sent",
    "customers_reminded",
    "reminder_lines",
    "emails_queued",
    "letters",
)
# Rows counted before and after each step: what it created.
COUNTED_TABLES = (
    "dunning_credit_profile",
    "dunning_communication",
    "dunning_communication_line",
    "mail_mail",
    "mail_message",
    "ir_attachment",
    "account_move",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(SIZES),
        help=f"comma-separated, of {', '.join(SIZES)} (default all)",
    )
    parser.add_argument(
        "--steps",
        default="scores,dunning",
        help="scores, dunning or both (default scores,dunning)",
    )
    parser.add_argument(
        "--generate",
        action="store_true",
        help="generate a size's database when it is missing",
    )
    parser.add_argument("--run-prefix", default="dunning_bench_g")
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument(
        "--step-timeout",
        type=int,
        default=3 * 3600,
        help="seconds after which a step is stopped and reported as timed out",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run copies")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parse_odoo_args(parser)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}: choose among {', '.join(SIZES)}")
    args.steps = {s.strip() for s in args.steps.split(",") if s.strip()}
    if not args.steps or args.steps - {"scores", "dunning"}:
        parser.error("--steps: scores, dunning or scores,dunning")
    return args


def psql(db, query):
    """The rows of ``query`` on ``db``, as lists of strings."""
    out = subprocess.run(
        ["psql", "-qAtX", "-F", "\t", "-d", db, "-c", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def database_exists(db):
    return bool(psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"))


def describe(db):
    """What a generated database holds: customers, invoices, open ones..."""
    (row,) = psql(
        db,
        """SELECT
             (SELECT COUNT(*) FROM res_partner WHERE customer_rank > 0),
             COUNT(*) FILTER (WHERE move_type = 'out_invoice'),
             COUNT(*) FILTER (WHERE move_type = 'out_invoice'
                              AND payment_state IN ('not_paid', 'partial')),
             COUNT(*) FILTER (WHERE move_type = 'out_invoice'
                              AND payment_state IN ('not_paid', 'partial')
                              AND invoice_date_due < (
                                  SELECT value::date FROM ir_config_parameter
                                   WHERE key = 'dunning_bench.today')),
             COUNT(*),
             (SELECT COUNT(*) FROM account_move_line),
             pg_database_size(current_database()),
             (SELECT value FROM ir_config_parameter
               WHERE key = 'dunning_bench.today')
           FROM account_move""",
    )
    keys = (
        "customers",
        "invoices",
        "open_invoices",
        "overdue_invoices",
        "moves",
        "journal_items",
        "db_size_mb",
        "generated_on",
    )
    info = dict(zip(keys, row, strict=True))
    for key in keys[:-1]:
        info[key] = int(info[key])
    info["db_size_mb"] = round(info["db_size_mb"] / 2**20)
    return info


def counts(db):
    query = " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*) FROM {t}" for t in COUNTED_TABLES
    )
    return {name: int(n) for name, n in psql(db, query)}


def copy_db(template, db):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    started = time.perf_counter()
    subprocess.run(["createdb", "-T", template, db], check=True)
    return round(time.perf_counter() - started, 1)


def run_step(args, db, what, days_after):
    """``bench.py what`` in its own process: its JSON, with the process's own
    wall time and the load average before it; ``{"error": ...}`` if it fails."""
    command = [
        *("nice", "-n", str(args.nice), sys.executable),
        os.path.join(HERE, "growth_step.py"),
        *(what, "--db", db, "--days-after", str(days_after)),
        *(f"--odoo-src={args.odoo_src}", f"--addons-path={args.addons_path}"),
        *(["--force-db"] if args.force_db else []),
    ]
    load_before = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a timeout stops its children too
    )
    try:
        stdout, stderr = process.communicate(timeout=args.step_timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate()
        return {"error": f"timed out after {args.step_timeout} s"}
    process_s = round(time.perf_counter() - started, 1)
    if process.returncode:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        return {"error": f"exit status {process.returncode}:\n{tail}"}
    start = stdout.find("{")
    try:
        result = json.loads(stdout[start:])
    except ValueError:
        return {"error": f"no JSON in the output of bench.py:\n{stdout[-2000:]}"}
    result["process_s"] = process_s
    result["load_before"] = [round(v, 2) for v in load_before]
    result["load_after"] = [round(v, 2) for v in os.getloadavg()]
    return result


def measure_size(args, label):
    partners, invoices, template = SIZES[label]
    check_db_name(template, args.force_db)
    if not database_exists(template):
        if not args.generate:
            sys.exit(
                f"{template} is missing: run generate.py --db {template} "
                f"--partners {partners} --invoices {invoices}, or pass --generate"
            )
        subprocess.run(
            [
                *("nice", "-n", str(args.nice), sys.executable),
                os.path.join(HERE, "generate.py"),
                *("--db", template, "--partners", str(partners)),
                *("--invoices", str(invoices), f"--odoo-src={args.odoo_src}"),
                f"--addons-path={args.addons_path}",
                *(["--force-db"] if args.force_db else []),
            ],
            check=True,
        )
    run_db = f"{args.run_prefix}{label}_run"
    check_db_name(run_db, args.force_db)
    size = {"size": label, "database": template, **describe(template), "steps": []}
    print(f"[growth] {label}: {size}", flush=True)
    for name, what, days_after, fresh in STEPS:
        if what not in args.steps:
            continue
        step = {"step": name}
        if fresh:
            step["copy_s"] = copy_db(template, run_db)
        before = counts(run_db)
        step.update(run_step(args, run_db, what, days_after))
        after = counts(run_db)
        step["created"] = {
            t: after[t] - before[t] for t in after if after[t] - before[t]
        }
        if name == "dunning, same day again" and "error" not in step:
            # bench.py reports the day's run, made by the step before.
            step["run_of_the_day"] = {k: step.pop(k, None) for k in RUN_FIGURES}
            step["reminders_sent"] = step["created"].get("dunning_communication", 0)
            step["reminder_lines"] = step["created"].get(
                "dunning_communication_line", 0
            )
            step["customers_checked"] = 0
        size["steps"].append(step)
        print(f"[growth] {label}, {name}: {summary_line(step)}", flush=True)
    if not args.keep:
        subprocess.run(["dropdb", "--if-exists", run_db], check=True)
    return size


def summary_line(step):
    if "error" in step:
        return "ERROR " + step["error"]
    return (
        f"{fig(step, 'wall_s')} s wall, {fig(step, 'cpu_s')} s CPU, "
        f"{fig(step, 'sql_queries')} queries, peak {fig(step, 'peak_rss_mb')} MB, "
        f"{outcome(step)}, load {step['load_before'][0]}"
    )


def fig(step, key):
    """A figure of bench.py's JSON, formatted; "?" when it is not there (a
    later bench.py may rename it)."""
    value = step.get(key)
    if value is None:
        return "?"
    return f"{value:,}" if isinstance(value, int) else str(value)


def outcome(step):
    """What the step did, in a few words."""
    if "customers_scored" in step:
        return (
            f"{fig(step, 'customers_scored')} scored, "
            f"{fig(step, 'scores_kept')} kept"
        )
    if "reminders_sent" in step:
        return (
            f"{fig(step, 'reminders_sent')} reminders, "
            f"{fig(step, 'reminder_lines')} lines, "
            f"{fig(step, 'customers_checked')} customers checked"
        )
    return ""


def git_commit():
    def git(*argv):
        return subprocess.run(
            ["git", "-C", ROOT, *argv], capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return commit + (
        " (with uncommitted changes)" if git("status", "--porcelain") else ""
    )


def markdown(report):
    lines = [
        f"Growth curve, {report['started']} to {report['finished']} (UTC), "
        f"commit {report['commit']}, `{report['command']}`",
        "",
        "| size | customers | invoices | open | overdue | journal items | DB MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in report["sizes"]:
        lines.append(
            f"| {size['size']} | {size['customers']:,} | {size['invoices']:,} "
            f"| {size['open_invoices']:,} | {size['overdue_invoices']:,} "
            f"| {size['journal_items']:,} | {size['db_size_mb']:,} |"
        )
    lines += [
        "",
        "| size | step | wall s | CPU s | SQL s | queries | peak RSS MB "
        "| outcome | load before / after |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for size in report["sizes"]:
        for step in size["steps"]:
            if "error" in step:
                first_line = step["error"].splitlines()[0]
                lines.append(
                    f"| {size['size']} | {step['step']} | | | | | | "
                    f"**{first_line}** | |"
                )
                continue
            lines.append(
                f"| {size['size']} | {step['step']} | {fig(step, 'wall_s')} "
                f"| {fig(step, 'cpu_s')} | {fig(step, 'sql_s')} "
                f"| {fig(step, 'sql_queries')} "
                f"| {fig(step, 'peak_rss_mb')} | {outcome(step)} "
                f"| {step['load_before'][0]} / {step['load_after'][0]} |"
            )
    largest = report["sizes"][-1] if report["sizes"] else None
    if largest:
        lines += [
            "",
            f"Most frequent query shapes at {largest['size']} (count, seconds, "
            "shape): a count that grows with the records, not the batches, is "
            "a query per record.",
        ]
        for step in largest["steps"]:
            if step.get("frequent_queries"):
                lines += ["", f"{step['step']}:", ""]
                lines += [
                    f"- {n:,} / {t} s: `{shape}`"
                    for n, t, shape in step["frequent_queries"][:5]
                ]
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    started = datetime.datetime.now(datetime.UTC)
    report = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["growth.py", *sys.argv[1:]]),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "nice": args.nice},
        "sizes": [],
    }
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"growth-{started.strftime('%Y%m%d-%H%M')}")
    for label in args.sizes:
        report["sizes"].append(measure_size(args, label))
        # Written after each size, so that a long run shows what it has.
        report["finished"] = datetime.datetime.now(datetime.UTC).strftime(
            "%Y-%m-%d %H:%M"
        )
        with open(base + ".json", "w") as out:
            json.dump(report, out, indent=1)
        with open(base + ".md", "w") as out:
            out.write(markdown(report))
    print(markdown(report))
    print(f"[growth] written: {base}.json, {base}.md")


if __name__ == "__main__":
    main()
