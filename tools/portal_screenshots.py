"""Screenshots of the customer's page, in Italian, from the demo database.

Usage (after `make demo`, or any database with the addon's demo data):

    .venv/bin/python tools/portal_screenshots.py [--db dunning_demo]
        [--port 8069] [--out docs/portal] [--chromium /usr/bin/chromium]

It loads Italian in the database (the demo has English only: this changes the
database, as installing a language from Settings would), picks demo customers
(one with overdue invoices, one with an instalment plan), serves the database
with Odoo for the time of the shots, and has headless Chromium photograph
their pages through the link of their last reminder. Nothing else is written.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo"))

# Run inside `odoo-bin shell`: Italian, then the pages to photograph.
PREPARE = r"""
import json
env["res.lang"]._activate_lang("it_IT")
env["ir.module.module"].search([("state", "=", "installed")])._update_translations(
    ["it_IT"], overwrite=True
)
env.cr.commit()
company = env.ref("base.user_admin").company_id
Portal = env["dunning.portal"].sudo()
sent = env["dunning.communication"].sudo().search(
    [("company_id", "=", company.id), ("state", "=", "sent")],
    order="date desc, id desc",
)


def path(reminder):
    return "/d/" + reminder._portal_url().rsplit("/d/", 1)[1]


shots = {}
for reminder in sent:
    partner = reminder.partner_id
    items = Portal._items(partner, company)
    statuses = {item.status for item in items}
    if "legal" in statuses:
        continue
    if "plan" in statuses and "plan" not in shots:
        shots["plan"] = path(reminder)
    overdue = [item for item in items if item.status == "overdue" and item.payable]
    if len(overdue) >= 2 and "due" in statuses and "page" not in shots:
        shots["page"] = path(reminder)
        shots["pay"] = path(reminder) + "/pay?items=" + str(overdue[0].line.id)
        shots["promise"] = path(reminder) + "?form=promise"
    if {"page", "plan"} <= set(shots):
        break
print("SHOTS " + json.dumps(shots))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="dunning_demo")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--out", default=str(ROOT / "docs" / "portal"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    return parser.parse_args()


def odoo(args, *extra, command=()):
    return [
        args.python,
        str(ODOO_SRC / "odoo-bin"),
        *command,
        f"--addons-path={ODOO_SRC / 'addons'},{ROOT}",
        "-d",
        args.db,
        *extra,
    ]


def prepare(args):
    result = subprocess.run(
        odoo(args, "--no-http", "--log-level=warn", command=("shell",)),
        input=PREPARE,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit("Preparing the database failed:\n" + result.stderr)
    for line in result.stdout.splitlines():
        if line.startswith("SHOTS "):
            return json.loads(line[len("SHOTS ") :])
    sys.exit("No customer page to photograph:\n" + result.stdout + result.stderr)


def wait_for(url, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    sys.exit(f"Odoo did not answer on {url}")


def shoot(args, url, target, height):
    subprocess.run(
        [
            args.chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--lang=it-IT",
            f"--window-size=1200,{height}",
            "--virtual-time-budget=8000",
            f"--screenshot={target}",
            url,
        ],
        check=True,
        capture_output=True,
    )
    print(f"{target}  <-  {url}")


def main():
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shots = prepare(args)
    server = subprocess.Popen(
        odoo(
            args,
            f"--http-port={args.port}",
            "--gevent-port=0",
            "--max-cron-threads=0",
            f"--db-filter=^{args.db}$",
            "--log-level=warn",
        )
    )
    try:
        base = f"http://localhost:{args.port}"
        wait_for(base + "/web/health")
        sizes = {"page": 1260, "promise": 1600, "pay": 720, "plan": 1500}
        for name, path in shots.items():
            separator = "&" if "?" in path else "?"
            shoot(
                args,
                f"{base}{path}{separator}lang=it_IT",
                out / f"portal_{name}.png",
                sizes.get(name, 2000),
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
