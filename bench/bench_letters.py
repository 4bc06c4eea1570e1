"""Peak memory and time of a dunning run's letters merged into one PDF, by
number of letters, the way before (merge_pdf in memory) and now (a file
written a letter at a time).

    createdb -T dunning_bench dunning_bench_letters
    python bench/bench_letters.py setup --db dunning_bench_letters --sizes 300,1000,3000
    python bench/bench_letters.py run   --db dunning_bench_letters --sizes 300,1000,3000
    python bench/bench_letters.py drop  --db dunning_bench_letters

``setup`` (committed) previews a dunning run on the generated day, renders
the letters of its reminders with the addon's renderer (each letter its own,
with its own font subsets, as in a real run; used in turn when a size is
larger than the preview), then makes one done run per size with that many
sent reminders (rows copied from the preview's), each with its own letter
attachment. ``run`` measures, each in a new process so that its peak
is its own, for each size: ``before``, what ``dunning.run._attach_letters``
did until now (every letter's ``raw``, ``odoo.tools.pdf.merge_pdf``, an
attachment created from the bytes), and ``after``, ``_attach_letters`` as it
is (``dunning.communication._attach_letters_pdf``). Both are rolled back.
``drop`` drops the copy with its filestore (``dropdb`` would leave the files).

Reported by ``bench.measure()`` (wall and CPU time, queries, resident memory
before the call and at its peak; the peak is reset just before the call, so
loading the registry does not count), with the growth (peak - before), the
pages and size of the PDF made (its pages counted by poppler's ``pdfinfo``
when installed), a digest of its text (``pdftotext``: the same before and
after) and the load average.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys

from freezegun import freeze_time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo, parse_odoo_args

from bench import measure

RUNS_PARAM = "dunning_bench.letters_runs"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["setup", "run", "measure", "drop"])
    parser.add_argument("--db", default="dunning_bench_letters")
    parser.add_argument("--sizes", default="300,1000,3000")
    parser.add_argument(
        "--distinct",
        type=int,
        default=0,
        help="setup: letters rendered (then used in turn); default: as many "
        "as the preview has reminders, up to the largest size",
    )
    parser.add_argument("--size", type=int, help="measure: the run of this size")
    parser.add_argument("--how", choices=["before", "after"], help="measure")
    parser.add_argument(
        "--profile", metavar="FILE", help="measure: a cProfile of the call to FILE"
    )
    args = parse_odoo_args(parser)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def setup(env, today, sizes, distinct):
    """One done run per size with that many sent reminders, each with a letter."""
    company = env.company
    preview = env["dunning.run"].create(
        {"company_id": company.id, "date": today, "run_type": "manual"}
    )
    preview.action_preview()
    drafts = preview.communication_ids.sorted("id")
    if not drafts:
        sys.exit("The preview made no reminder: is this a copy of the bench data?")
    # Each letter its own, as in a run (its own font subsets): every
    # reminder of the preview up to the largest size, unless --distinct.
    distinct = distinct or max(sizes)
    letters = [draft._render_letter_pdf() for draft in drafts[:distinct]]
    env.cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'dunning_communication'
              AND column_name NOT IN
                  ('id', 'run_id', 'state', 'letter_attachment_id')"""
    )
    columns = ", ".join(row[0] for row in env.cr.fetchall())
    runs = {}
    for size in sizes:
        run = env["dunning.run"].create(
            {"company_id": company.id, "date": today, "run_type": "manual"}
        )
        # The preview's reminders copied in turn: sent reminders of the run.
        env.cr.execute(
            f"""INSERT INTO dunning_communication ({columns}, run_id, state)
                SELECT {columns}, %s, 'sent'
                  FROM generate_series(0, %s - 1) AS n
                  JOIN dunning_communication c
                    ON c.id = (%s::int[])[1 + n %% %s]
              ORDER BY n
             RETURNING id""",
            [run.id, size, drafts.ids, len(drafts)],
        )
        ids = [row[0] for row in env.cr.fetchall()]
        env["ir.attachment"].create(
            [
                {
                    "name": f"letter {index}.pdf",
                    "raw": letters[index % len(letters)],
                    "mimetype": "application/pdf",
                    "res_model": "dunning.communication",
                    "res_id": communication_id,
                }
                for index, communication_id in enumerate(ids)
            ]
        )
        env.cr.execute(
            """UPDATE dunning_communication c SET letter_attachment_id = a.id
                 FROM ir_attachment a
                WHERE a.res_model = 'dunning.communication' AND a.res_id = c.id
                  AND c.run_id = %s""",
            [run.id],
        )
        env.cr.execute("UPDATE dunning_run SET state = 'done' WHERE id = %s", [run.id])
        runs[size] = run.id
    env["ir.config_parameter"].set_param(RUNS_PARAM, json.dumps(runs))
    return {
        "runs": runs,
        "distinct_letters": len(letters),
        "letter_kb": [round(len(pdf) / 1024, 1) for pdf in letters[:5]],
    }


def attach_before(run):
    """dunning.run._attach_letters until now, verbatim in substance."""
    from odoo.tools.pdf import merge_pdf

    letters = run.communication_ids.filtered(
        lambda c: c.state in ("pending", "sent", "delivery_failed")
        and c.letter_attachment_id
    )
    parts = [letter.letter_attachment_id.raw for letter in letters]
    pdf = merge_pdf(parts)
    old = run.letters_attachment_id
    attachment = (
        run.env["ir.attachment"]
        .sudo()
        .create(
            {
                "name": f"Letters {run.name.replace('/', '-')}.pdf",
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": run._name,
                "res_id": run.id,
            }
        )
    )
    run._write_controlled({"letters_attachment_id": attachment.id})
    old.sudo().unlink()


def pdf_pages(path):
    """Pages of the PDF at ``path`` as poppler counts them, and a digest of
    its text page by page (the same before and after: the same letters in the
    same order); None without poppler-utils."""
    if not shutil.which("pdfinfo") or not shutil.which("pdftotext"):
        return None, None
    info = subprocess.run(
        ["pdfinfo", path], capture_output=True, text=True, check=False
    ).stdout
    pages = next(
        (
            int(line.split()[1])
            for line in info.splitlines()
            if line.startswith("Pages:")
        ),
        None,
    )
    text = subprocess.run(
        ["pdftotext", "-q", path, "-"], capture_output=True, check=False
    ).stdout
    return pages, hashlib.sha1(text).hexdigest()[:12]


def measure_one(env, size, how, profile=None):
    runs = json.loads(env["ir.config_parameter"].get_param(RUNS_PARAM) or "{}")
    if str(size) not in runs:
        sys.exit(f"No run of {size} letters: run setup with --sizes {size}")
    run = env["dunning.run"].browse(runs[str(size)])
    call = run._attach_letters if how == "after" else lambda: attach_before(run)
    # The process's peak so far is the registry's loading: start it afresh.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    _result, figures = measure(env, call, profile=profile, slowest=3)
    attachment = run.letters_attachment_id
    pages, text = pdf_pages(attachment._full_path(attachment.store_fname))
    return {
        "how": how,
        "letters": size,
        **figures,
        "growth_mb": figures["peak_rss_mb"] - figures["rss_before_mb"],
        "pdf_mb": round(attachment.file_size / 2**20, 1),
        "pdf_pages": pages,
        "text_sha1": text,
    }


def run_all(args):
    """Each measure in its own process: before and after, size by size."""
    results = []
    for size in args.sizes:
        for how in ("before", "after"):
            command = [
                sys.executable,
                os.path.abspath(__file__),
                "measure",
                f"--db={args.db}",
                f"--size={size}",
                f"--how={how}",
                f"--odoo-src={args.odoo_src}",
                f"--addons-path={args.addons_path}",
            ] + (["--force-db"] if args.force_db else [])
            output = subprocess.run(
                command, capture_output=True, text=True, check=True
            ).stdout
            result = json.loads(output)
            print(json.dumps(result), flush=True)
            results.append(result)
    print()
    print("| letters | pages | PDF MB | how | s | peak MB | growth MB | load | text |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['letters']:,} | {r['pdf_pages'] or '?'} | {r['pdf_mb']} "
            f"| {r['how']} | {r['wall_s']} | {r['peak_rss_mb']} "
            f"| {r['growth_mb']} | {r['load_average']:.1f} | {r['text_sha1']} |"
        )


def main():
    args = parse_args()
    check_db_name(args.db, args.force_db)
    if args.db == "dunning_bench":
        sys.exit("dunning_bench is the template: run on a copy (createdb -T).")
    if args.what == "run":
        run_all(args)
        return
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    if args.what == "drop":  # the database and its filestore, as Odoo drops them
        import odoo.service.db

        odoo.service.db.exp_drop(args.db)
        return
    with environment(odoo, args.db) as env:
        generated = env["ir.config_parameter"].get_param("dunning_bench.today")
        if not generated:
            sys.exit(f"{args.db} was not made by bench/generate.py")
    today = datetime.date.fromisoformat(generated)
    if args.what == "setup":
        with (
            freeze_time(f"{today} 06:00:00"),
            environment(odoo, args.db, commit=True) as env,
        ):
            result = setup(env, today, args.sizes, args.distinct)
        print(json.dumps(result))
        return
    with freeze_time(f"{today} 06:00:00"), environment(odoo, args.db) as env:
        print(json.dumps(measure_one(env, args.size, args.how, args.profile)))


if __name__ == "__main__":
    main()
