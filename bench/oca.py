"""OCA ``account_credit_control`` 18.0 for the side-by-side benchmark.

    python bench/oca.py fetch [--cache DIR]     # prints the addons path to use

``fetch`` downloads the addon's wheel from its package registry with ``pip
download --no-deps`` into a cache outside the repository's code
(``bench/.cache/oca``, git-ignored), then the registry packages of the Odoo
addons it requires (``odoo-addon-*``), the same way; each wheel is unpacked
next to it and its ``odoo/addons`` folder goes into the addons path. A wheel
already in the cache is used again without asking the registry. Nothing of
OCA's code is copied into this repository.

The other functions run inside an Odoo environment of a database where the
addon is installed (see bench_compare.py): :func:`configure` sets up the
policy, :func:`find` and :func:`send` are the two measured steps.
"""

import argparse
import glob
import os
import subprocess
import sys
import zipfile
from email.parser import Parser

# The 18.0 release measured; REQUIREMENT=... in the Makefile to try another.
REQUIREMENT = "odoo-addon-account-credit-control==18.0.2.0.2.6"
DEFAULT_CACHE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".cache", "oca"
)


def _wheel_name(requirement):
    """``odoo-addon-account-credit-control==1.0`` -> the wheel file prefix."""
    name = requirement
    for sep in ("==", ">=", "<=", "~=", "<", ">", ";", "["):
        name = name.split(sep)[0]
    return name.strip().lower().replace("-", "_")


def _cached_wheel(cache, requirement):
    version = requirement.split("==")[1].strip() if "==" in requirement else "*"
    wheels = sorted(
        glob.glob(os.path.join(cache, f"{_wheel_name(requirement)}-{version}-*.whl"))
    )
    return wheels[-1] if wheels else None


def _addon_requirements(wheel):
    """The ``odoo-addon-*`` packages the wheel requires (Odoo itself is here)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(
            n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
        )
        headers = Parser().parsestr(archive.read(metadata).decode())
    requires = headers.get_all("Requires-Dist") or []
    return [
        r.split(";")[0].strip() for r in requires if r.lower().startswith("odoo-addon-")
    ]


def fetch(cache=DEFAULT_CACHE, requirement=REQUIREMENT, pip=None):
    """Download (or reuse) the addon and the addons it requires: their addons
    path, comma-separated."""
    pip = pip or [sys.executable, "-m", "pip"]
    os.makedirs(cache, exist_ok=True)
    paths, todo, seen = [], [requirement], set()
    while todo:
        requirement = todo.pop(0)
        if _wheel_name(requirement) in seen:
            continue
        seen.add(_wheel_name(requirement))
        wheel = _cached_wheel(cache, requirement)
        if not wheel:
            subprocess.run(
                [
                    *pip,
                    "download",
                    "--no-deps",
                    "--quiet",
                    "--dest",
                    cache,
                    requirement,
                ],
                check=True,
            )
            wheel = _cached_wheel(cache, requirement)
            if not wheel:
                sys.exit(f"pip download gave no wheel for {requirement!r} in {cache}")
        unpacked = wheel[: -len(".whl")]
        if not os.path.isdir(unpacked):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(unpacked + ".part")
            os.rename(unpacked + ".part", unpacked)
        paths.append(os.path.join(unpacked, "odoo", "addons"))
        todo.extend(_addon_requirements(wheel))
    return ",".join(paths)


# ----------------------------------------------------------------------
# Inside Odoo (a database with account_credit_control installed)
# ----------------------------------------------------------------------

POLICY_NAME = "Bench: 3 levels"


def configure(env):
    """A 3-level policy on the receivable accounts, assigned to every customer.

    OCA's own "3 time policy" with its levels moved to the dunning levels of
    dunning_advanced's default policy as far as OCA allows: OCA takes only
    items already due (no courtesy reminder before the due date), so level 1
    is the due date itself, level 2 at 20 days (firm), level 3 at 35 days
    (formal notice, a letter). On the first day every due item is at level 1:
    OCA, like this addon, climbs one level per reminder. The emails show the
    invoices (``mail_show_invoice_detail``) and carry no PDF: OCA's template
    attaches its summary report, printed with wkhtmltopdf, which this
    addon's emails do not have (and this machine does not either).
    """
    policy = env.ref("account_credit_control.credit_control_3_time")
    levels = policy.level_ids.sorted("level")
    levels[0].write({"computation_mode": "net_days", "delay_days": 0})
    levels[1].write({"computation_mode": "net_days", "delay_days": 20})
    levels[2].write({"computation_mode": "net_days", "delay_days": 35})
    levels.write({"mail_show_invoice_detail": True})
    levels.email_template_id.write({"report_template_ids": [(5, 0, 0)]})
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable")]
    )
    policy.write({"name": POLICY_NAME, "account_ids": [(6, 0, receivable.ids)]})
    # Every customer (commercial partner with a receivable line).
    env.cr.execute(
        """SELECT DISTINCT p.commercial_partner_id
             FROM account_move_line l
             JOIN account_account a ON a.id = l.account_id
             JOIN res_partner p ON p.id = l.partner_id
            WHERE a.account_type = 'asset_receivable'"""
    )
    customers = env["res.partner"].browse([row[0] for row in env.cr.fetchall()])
    customers.write({"credit_policy_id": policy.id})
    return {"policy": policy.name, "customers": len(customers)}


def _policy(env):
    return env["credit.control.policy"].search([("name", "=", POLICY_NAME)], limit=1)


def find(env, today):
    """Step (a): a credit control run of the day generates its lines (drafts)."""
    run = env["credit.control.run"].create(
        {
            "date": today,
            "company_id": env.company.id,
            "policy_ids": [(6, 0, _policy(env).ids)],
        }
    )
    run.generate_credit_lines()
    return run


def find_outcome(env, today):
    run = env["credit.control.run"].search([("date", "=", today)], limit=1)
    env.cr.execute(
        """SELECT COUNT(*), COUNT(DISTINCT commercial_partner_id),
                  COUNT(DISTINCT commercial_partner_id) FILTER (WHERE channel = 'email')
             FROM credit_control_line WHERE run_id = %s""",
        [run.id],
    )
    lines, customers, email_customers = env.cr.fetchone()
    env.cr.execute(
        """SELECT lv.level, COUNT(*) FROM credit_control_line l
             JOIN credit_control_policy_level lv ON lv.id = l.policy_level_id
            WHERE l.run_id = %s GROUP BY 1 ORDER BY 1""",
        [run.id],
    )
    return {
        "lines": lines,
        "customers": customers,
        # What step (b) can send: one communication per customer and level.
        "to_send": email_customers,
        "lines_by_level": dict(env.cr.fetchall()),
    }


def prepare_send(env, today, count):
    """Before step (b), not measured: the lines of the first ``count``
    customers (by id) marked "to be sent", as the accountant does in the run's
    form or the "mark as" wizard; the other lines stay drafts."""
    run = env["credit.control.run"].search([("date", "=", today)], limit=1)
    lines = run.line_ids.filtered(lambda line: line.channel == "email")
    customers = sorted(set(lines.commercial_partner_id.ids))[:count]
    chosen = lines.filtered(lambda line: line.commercial_partner_id.id in customers)
    chosen.write({"state": "to_be_sent"})
    return run


def send(env, run):
    """Step (b): the run's "send" button: a communication per customer, level
    and currency, and its email rendered and queued (the mail queue delivers
    it later, as for dunning_advanced: no SMTP here)."""
    run.with_context(mail_notify_force_send=False).run_channel_action()


def send_outcome(env, run):
    communications = run.line_ids.communication_id
    return {
        "communications": len(communications),
        "lines_queued": len(run.line_ids.filtered(lambda line: line.state == "queued")),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["fetch"])
    parser.add_argument("--cache", default=DEFAULT_CACHE)
    parser.add_argument("--requirement", default=REQUIREMENT)
    args = parser.parse_args()
    print(fetch(args.cache, args.requirement))


if __name__ == "__main__":
    main()
