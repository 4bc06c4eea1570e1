"""Benchmark data: customers with 18 months of posted invoices and payments.

    python bench/generate.py [--db dunning_bench] [--partners 10000] [--invoices 100000]

1. ``odoo-bin -i dunning_advanced --without-demo=all`` on a fresh database:
   the main company with Odoo's generic chart of accounts (installing l10n_it
   too costs time and changes nothing the benchmarks measure).
2. The customers and their history are planned in Python (seeded, so two
   runs give the same data), then written with COPY: res.partner,
   account.move, account.move.line (+ tax relation), account.partial.reconcile,
   account.full.reconcile. Foreign keys are not checked row by row
   (dropped, then added back and checked after the load): every id written is taken from
   the rows just written or from the chart of accounts, and check() proves it.
3. check(), through the ORM in a transaction rolled back afterwards: Odoo
   recomputes amounts, residuals and payment states of a sample and finds the
   values written; a sample's exposure is the sum of its open lines; a new
   payment through Odoo's wizard reconciles a generated invoice.

An invoice is one product line taxed with the company's sale tax, paid by a
bank entry (direct receipt) reconciled with its receivable line; some are paid
in two instalments. Each customer has a payment behaviour (punctual, late,
very late, defaulting) that sets how many days after the due date it pays, or
whether it does.
"""

import argparse
import io
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo

# name: (share of customers, days paid after the due date, share never paid)
BEHAVIOURS = {
    "punctual": (0.50, (-10, 3), 0.0),
    "late": (0.30, (5, 40), 0.0),
    "very_late": (0.15, (30, 120), 0.04),
    "defaulting": (0.05, (60, 200), 0.35),
}
TERMS = (30, 60, 90)  # days from invoice to due date
MONTHS = 18
STAMP = datetime(2000, 1, 1)  # create/write dates do not matter here


def parse_args():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dunning_bench")
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--invoices", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo"))
    parser.add_argument("--addons-path", default=None)
    parser.add_argument(
        "--force-db",
        action="store_true",
        help="use --db even if its name does not start with dunning_bench",
    )
    args = parser.parse_args()
    args.addons_path = args.addons_path or f"{args.odoo_src}/addons,{root}"
    return args


def install(args):
    subprocess.run(["dropdb", "--if-exists", args.db], check=True)
    odoo_bin = os.path.join(args.odoo_src, "odoo-bin")
    subprocess.run(
        [
            *(sys.executable, odoo_bin, f"--addons-path={args.addons_path}"),
            *(f"--database={args.db}", "--init=dunning_advanced"),
            *("--without-demo=all", "--stop-after-init", "--no-http"),
            *("--max-cron-threads=0", "--log-level=warn"),
        ],
        check=True,
    )


# ----------------------------------------------------------------------
# Plan (pure Python)
# ----------------------------------------------------------------------


def money(amount):
    """Rounded to the cent half up, as Odoo rounds."""
    return float(Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP))


def plan(n_partners, n_invoices, today, tax_rate, seed):
    """Customers and invoices, each invoice with its payments [(date, amount)]."""
    rng = random.Random(seed)
    names, weights = zip(*((k, v[0]) for k, v in BEHAVIOURS.items()), strict=True)
    partners = []
    for i in range(n_partners):
        partners.append(
            {
                "index": i,
                "behaviour": rng.choices(names, weights)[0],
                "size": rng.lognormvariate(6.5, 1.0),  # typical invoice, ~700
                "term": rng.choice(TERMS),
                "limit": rng.choice([0, 0, 5000, 20000, 50000, 100000]),
                "rating": rng.randint(0, 100) if rng.random() < 0.3 else None,
                "activity": rng.paretovariate(1.5),  # few customers invoice a lot
            }
        )
    start = today - timedelta(days=MONTHS * 30)
    span = (today - start).days
    invoices = []
    chosen = rng.choices(partners, [p["activity"] for p in partners], k=n_invoices)
    for partner in chosen:
        invoice_date = start + timedelta(days=rng.randrange(span + 1))
        due = invoice_date + timedelta(days=partner["term"])
        untaxed = round(partner["size"] * rng.lognormvariate(0, 0.5), 2)
        total = round(untaxed + money(Decimal(str(untaxed)) * tax_rate), 2)
        _share, (low, high), never = BEHAVIOURS[partner["behaviour"]]
        payments = []
        if rng.random() >= never:
            paid_on = max(due + timedelta(days=rng.randint(low, high)), invoice_date)
            if rng.random() < 0.1:  # two instalments, the first half earlier
                first = round(total / 2, 2)
                half_way = invoice_date + (paid_on - invoice_date) / 2
                payments = [(half_way, first), (paid_on, round(total - first, 2))]
            else:
                payments = [(paid_on, total)]
        invoices.append(
            {
                "partner": partner["index"],
                "date": invoice_date,
                "due": due,
                "untaxed": untaxed,
                "total": total,
                "payments": [(d, a) for d, a in payments if d <= today],
            }
        )
    invoices.sort(key=lambda inv: inv["date"])
    return partners, invoices


# ----------------------------------------------------------------------
# COPY
# ----------------------------------------------------------------------


class Table:
    """Rows of one table, written with COPY in one go."""

    def __init__(self, name, columns):
        self.name, self.columns, self.rows = name, columns, []

    def add(self, **values):
        self.rows.append([values.get(c) for c in self.columns])

    def copy(self, cr):
        buf = io.StringIO()
        for row in self.rows:
            buf.write("\t".join(_text(v) for v in row) + "\n")
        buf.seek(0)
        cr.copy_from(buf, self.name, columns=self.columns, null="\\N")
        return len(self.rows)


def _text(value):
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def reserve_ids(cr, table, count):
    """``count`` new ids of ``table``: its sequence moved past them."""
    cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = cr.fetchone()[0] + 1
    cr.execute("SELECT setval(%s, %s)", [f"{table}_id_seq", first + count])
    return iter(range(first, first + count))


COMMON = {"create_uid": 1, "write_uid": 1, "create_date": STAMP, "write_date": STAMP}
MOVE_COLUMNS = (
    *COMMON,
    *"id name sequence_prefix sequence_number journal_id company_id".split(),
    "currency_id",
    *"partner_id commercial_partner_id partner_shipping_id state move_type".split(),
    *"auto_post date invoice_date invoice_date_due payment_reference".split(),
    *"payment_state invoice_partner_display_name invoice_currency_rate".split(),
    *"amount_untaxed amount_tax amount_total amount_residual".split(),
    *"amount_untaxed_signed amount_untaxed_in_currency_signed".split(),
    *"amount_tax_signed amount_total_signed amount_total_in_currency_signed".split(),
    *"amount_residual_signed checked posted_before invoice_user_id".split(),
)
LINE_COLUMNS = (
    *COMMON,
    *"id move_id move_name journal_id company_id company_currency_id".split(),
    *"currency_id partner_id account_id parent_state display_type sequence".split(),
    *"name date invoice_date date_maturity debit credit balance".split(),
    *"amount_currency amount_residual amount_residual_currency reconciled".split(),
    *"full_reconcile_id matching_number quantity price_unit price_subtotal".split(),
    *"price_total tax_line_id tax_group_id tax_repartition_line_id".split(),
    *"tax_base_amount tax_tag_invert".split(),
)
PARTIAL_COLUMNS = (
    *COMMON,
    *"id debit_move_id credit_move_id full_reconcile_id debit_currency_id".split(),
    *"credit_currency_id company_id max_date amount debit_amount_currency".split(),
    "credit_amount_currency",
)
PARTNER_COLUMNS = (
    *COMMON,
    *"id name complete_name commercial_company_name commercial_partner_id".split(),
    *"is_company customer_rank active type email lang autopost_bills".split(),
    *"partner_share credit_limit risk_external_rating".split(),
    "risk_external_rating_date",
)


class Loader:
    def __init__(self, cr, setup, today):
        self.cr, self.s, self.today = cr, setup, today
        self.partners = Table("res_partner", PARTNER_COLUMNS)
        self.moves = Table("account_move", MOVE_COLUMNS)
        self.lines = Table("account_move_line", LINE_COLUMNS)
        self.partials = Table("account_partial_reconcile", PARTIAL_COLUMNS)
        self.fulls = Table("account_full_reconcile", ("id", *COMMON))
        self.taxes = Table(
            "account_move_line_account_tax_rel",
            ("account_move_line_id", "account_tax_id"),
        )
        self.numbers = {}

    def name(self, journal, day):
        prefix = f"{journal['code']}/{day.year}/"
        number = self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
        return prefix, number, f"{prefix}{number:05d}"

    def load(self, partners, invoices):
        cr, s = self.cr, self.s
        started = time.perf_counter()
        n_payments = sum(len(inv["payments"]) for inv in invoices)
        partner_ids = reserve_ids(cr, "res_partner", len(partners))
        move_ids = reserve_ids(cr, "account_move", len(invoices) + n_payments)
        line_ids = reserve_ids(
            cr, "account_move_line", 3 * len(invoices) + 2 * n_payments
        )
        partial_ids = reserve_ids(cr, "account_partial_reconcile", n_payments)
        full_ids = reserve_ids(cr, "account_full_reconcile", len(invoices))
        pids = []
        for p in partners:
            pid = next(partner_ids)
            pids.append(pid)
            name = f"Customer {p['index'] + 1:05d} ({p['behaviour']})"
            rated = p["rating"] is not None
            self.partners.add(
                **COMMON,
                id=pid,
                name=name,
                complete_name=name,
                commercial_company_name=name,
                commercial_partner_id=pid,
                is_company=True,
                customer_rank=1,
                active=True,
                type="contact",
                email=f"ar{p['index'] + 1}@customer.example.com",
                lang="en_US",
                autopost_bills="ask",
                partner_share=True,
                credit_limit=f'{{"{s["company_id"]}": {p["limit"]}}}'
                if p["limit"]
                else None,
                risk_external_rating=p["rating"] if rated else None,
                risk_external_rating_date=self.today - timedelta(days=60)
                if rated
                else None,
            )
        # Invoices are numbered in date order, payments in payment date order.
        payments = []
        for inv in invoices:
            inv["partner_id"] = pids[inv["partner"]]
            self.invoice(inv, next(move_ids), line_ids)
            payments += [(day, amount, inv) for day, amount in inv["payments"]]
        payments.sort(key=lambda pay: pay[0])
        for day, amount, inv in payments:
            self.payment(day, amount, inv, next(move_ids), line_ids, partial_ids)
        full_col = self.lines.columns.index("full_reconcile_id")
        matching_col = self.lines.columns.index("matching_number")
        for inv in invoices:
            if not inv["payments"]:
                continue
            full_id = None
            if inv["residual"] == 0:
                full_id = next(full_ids)
                self.fulls.add(id=full_id, **COMMON)
                for row in inv["partial_rows"]:
                    row[self.partials.columns.index("full_reconcile_id")] = full_id
            for row in inv["reconciled_rows"]:
                row[full_col] = full_id
                row[matching_col] = str(full_id) if full_id else inv["matching"]
        tables = (
            self.partners,
            self.fulls,
            self.moves,
            self.lines,
            self.taxes,
            self.partials,
        )
        print(f"[generate] rows built: {time.perf_counter() - started:.1f} s")
        # Indexes are built faster at once than row by row (the trigram ones
        # above all); primary keys stay. Foreign keys are not checked.
        cr.execute(
            """SELECT indexname, indexdef FROM pg_indexes
                WHERE tablename = ANY(%s)
                  AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
            [[t.name for t in tables]],
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(f'DROP INDEX "{name}"')
        # Foreign keys of the loaded tables are dropped and added back after
        # (checked then, all at once): the table owner may do it, where
        # skipping them (session_replication_role) needs a superuser.
        cr.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                 FROM pg_constraint
                WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
            [[t.name for t in tables]],
        )
        foreign_keys = cr.fetchall()
        for table, name, _definition in foreign_keys:
            cr.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        counts = {t.name: t.copy(cr) for t in tables}
        print(f"[generate] COPY: {time.perf_counter() - started:.1f} s")
        for table, name, definition in foreign_keys:
            cr.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        print(f"[generate] foreign keys checked: {time.perf_counter() - started:.1f} s")
        for _name, definition in indexes:
            cr.execute(definition)
        return counts

    def line(self, **values):
        s = self.s
        values = {
            **COMMON,
            "company_id": s["company_id"],
            "company_currency_id": s["currency_id"],
            "currency_id": s["currency_id"],
            "parent_state": "posted",
            "amount_residual": 0,
            "amount_residual_currency": 0,
            "reconciled": False,
            **values,
        }
        values.setdefault("amount_currency", values["balance"])
        values["debit"] = max(values["balance"], 0)
        values["credit"] = max(-values["balance"], 0)
        self.lines.add(**values)
        return self.lines.rows[-1]

    def invoice(self, inv, move_id, line_ids):
        s, journal = self.s, self.s["sale_journal"]
        prefix, number, name = self.name(journal, inv["date"])
        untaxed, total = inv["untaxed"], inv["total"]
        tax = round(total - untaxed, 2)
        paid = round(sum(amount for _day, amount in inv["payments"]), 2)
        residual = inv["residual"] = round(total - paid, 2)
        state = "not_paid" if not paid else "partial" if residual else "paid"
        inv.update(move_id=move_id, name=name)
        self.moves.add(
            **COMMON,
            id=move_id,
            name=name,
            sequence_prefix=prefix,
            sequence_number=number,
            journal_id=journal["id"],
            company_id=s["company_id"],
            currency_id=s["currency_id"],
            partner_id=inv["partner_id"],
            commercial_partner_id=inv["partner_id"],
            partner_shipping_id=inv["partner_id"],
            state="posted",
            move_type="out_invoice",
            auto_post="no",
            date=inv["date"],
            invoice_date=inv["date"],
            invoice_date_due=inv["due"],
            payment_reference=name,
            payment_state=state,
            invoice_partner_display_name=f"Customer {inv['partner'] + 1:05d}",
            invoice_currency_rate=1.0,
            amount_untaxed=untaxed,
            amount_tax=tax,
            amount_total=total,
            amount_residual=residual,
            amount_untaxed_signed=untaxed,
            amount_untaxed_in_currency_signed=untaxed,
            amount_tax_signed=tax,
            amount_total_signed=total,
            amount_total_in_currency_signed=total,
            amount_residual_signed=residual,
            checked=True,
            posted_before=True,
            invoice_user_id=1,
        )
        common = {
            "move_id": move_id,
            "move_name": name,
            "journal_id": journal["id"],
            "partner_id": inv["partner_id"],
            "date": inv["date"],
            "invoice_date": inv["date"],
        }
        product_id = next(line_ids)
        self.line(
            **common,
            id=product_id,
            account_id=journal["account_id"],
            display_type="product",
            sequence=10,
            name="Industrial supplies",
            balance=-untaxed,
            quantity=1,
            price_unit=untaxed,
            price_subtotal=untaxed,
            price_total=total,
            tax_tag_invert=True,
        )
        self.taxes.add(account_move_line_id=product_id, account_tax_id=s["tax"]["id"])
        self.line(
            **common,
            id=next(line_ids),
            account_id=s["tax"]["account_id"],
            display_type="tax",
            sequence=10000,
            name=s["tax"]["name"],
            balance=-tax,
            tax_line_id=s["tax"]["id"],
            tax_group_id=s["tax"]["group_id"],
            tax_repartition_line_id=s["tax"]["repartition_line_id"],
            tax_base_amount=untaxed,
            tax_tag_invert=True,
        )
        inv["line_id"] = next(line_ids)
        row = self.line(
            **common,
            id=inv["line_id"],
            account_id=s["receivable_id"],
            display_type="payment_term",
            sequence=12000,
            name=name,
            date_maturity=inv["due"],
            balance=total,
            amount_residual=residual,
            amount_residual_currency=residual,
            reconciled=residual == 0,
        )
        inv["reconciled_rows"], inv["partial_rows"] = [row], []

    def payment(self, day, amount, inv, move_id, line_ids, partial_ids):
        s, journal = self.s, self.s["bank_journal"]
        prefix, number, name = self.name(journal, day)
        self.moves.add(
            **COMMON,
            id=move_id,
            name=name,
            sequence_prefix=prefix,
            sequence_number=number,
            journal_id=journal["id"],
            company_id=s["company_id"],
            currency_id=s["currency_id"],
            partner_id=inv["partner_id"],
            commercial_partner_id=inv["partner_id"],
            state="posted",
            move_type="entry",
            auto_post="no",
            date=day,
            payment_state="not_paid",
            invoice_currency_rate=1.0,
            amount_untaxed=0,
            amount_tax=0,
            amount_total=amount,
            amount_residual=0,
            amount_untaxed_signed=0,
            amount_untaxed_in_currency_signed=0,
            amount_tax_signed=0,
            amount_total_signed=amount,
            amount_total_in_currency_signed=amount,
            amount_residual_signed=0,
            checked=True,
            posted_before=True,
        )
        common = {
            "move_id": move_id,
            "move_name": name,
            "journal_id": journal["id"],
            "partner_id": inv["partner_id"],
            "date": day,
            "name": f"Payment of {inv['name']}",
        }
        # A bank account line keeps its residual (no statement to match).
        self.line(
            **common,
            id=next(line_ids),
            account_id=journal["account_id"],
            display_type="product",
            sequence=10,
            balance=amount,
            amount_residual=amount,
            amount_residual_currency=amount,
        )
        partial_id = next(partial_ids)
        row = self.line(
            **common,
            id=next(line_ids),
            account_id=s["receivable_id"],
            display_type="product",
            sequence=20,
            balance=-amount,
            reconciled=True,
        )
        # Odoo numbers a matching after its smallest partial: the first payment.
        inv.setdefault("matching", f"P{partial_id}")
        inv["reconciled_rows"].append(row)
        self.partials.add(
            **COMMON,
            id=partial_id,
            debit_move_id=inv["line_id"],
            credit_move_id=row[self.lines.columns.index("id")],
            debit_currency_id=s["currency_id"],
            credit_currency_id=s["currency_id"],
            company_id=s["company_id"],
            max_date=max(day, inv["date"]),
            amount=amount,
            debit_amount_currency=amount,
            credit_amount_currency=amount,
        )
        inv["partial_rows"].append(self.partials.rows[-1])


# ----------------------------------------------------------------------
# Odoo side: setup and checks
# ----------------------------------------------------------------------


def company_setup(env):
    """Ids of what the generated rows point at, from the installed chart."""
    company = env.ref("base.main_company")
    sale = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    tax = company.account_sale_tax_id
    rep = tax.invoice_repartition_line_ids.filtered(
        lambda r: r.repartition_type == "tax"
    )
    if tax.amount_type != "percent" or tax.price_include or len(rep) != 1:
        sys.exit(f"Unexpected default sale tax {tax.name}")
    return {
        "company_id": company.id,
        "currency_id": company.currency_id.id,
        "receivable_id": company.partner_id.property_account_receivable_id.id,
        "sale_journal": {
            "id": sale.id,
            "code": sale.code,
            "account_id": sale.default_account_id.id,
        },
        "bank_journal": {
            "id": bank.id,
            "code": bank.code,
            "account_id": bank.default_account_id.id,
        },
        "tax": {
            "id": tax.id,
            "name": tax.name,
            "rate": Decimal(str(tax.amount)) / 100,
            "group_id": tax.tax_group_id.id,
            "account_id": rep.account_id.id,
            "repartition_line_id": rep.id,
        },
    }


def check(env, invoices, seed):
    """Odoo agrees with the rows written; returns a list of problems."""
    problems = []
    rng = random.Random(seed)
    Move, Line = env["account.move"], env["account.move.line"]
    # Orphans: the foreign keys were not checked while loading.
    env.cr.execute(
        """SELECT COUNT(*) FROM account_move_line l
            LEFT JOIN account_move m ON m.id = l.move_id
            LEFT JOIN res_partner p ON p.id = l.partner_id
            LEFT JOIN account_account a ON a.id = l.account_id
            LEFT JOIN account_full_reconcile f ON f.id = l.full_reconcile_id
            WHERE m.id IS NULL OR a.id IS NULL
               OR (l.partner_id IS NOT NULL AND p.id IS NULL)
               OR (l.full_reconcile_id IS NOT NULL AND f.id IS NULL)"""
    )
    if env.cr.fetchone()[0]:
        problems.append("journal items point at missing rows")
    env.cr.execute(
        """SELECT COUNT(*) FROM account_partial_reconcile r
            LEFT JOIN account_move_line d ON d.id = r.debit_move_id
            LEFT JOIN account_move_line c ON c.id = r.credit_move_id
            WHERE d.id IS NULL OR c.id IS NULL"""
    )
    if env.cr.fetchone()[0]:
        problems.append("reconciliations point at missing journal items")
    env.cr.execute(
        "SELECT COUNT(*) FROM (SELECT move_id FROM account_move_line "
        "GROUP BY move_id HAVING SUM(balance) != 0) unbalanced"
    )
    if env.cr.fetchone()[0]:
        problems.append("unbalanced moves")
    # Odoo recomputes the stored amounts of a sample and finds ours.
    sample = rng.sample(invoices, min(2000, len(invoices)))
    moves = Move.browse([inv["move_id"] for inv in sample])
    moves |= moves.line_ids.matched_credit_ids.credit_move_id.move_id
    move_fields = ["amount_untaxed", "amount_tax", "amount_total", "amount_residual"]
    move_fields += ["amount_total_signed", "amount_residual_signed", "payment_state"]
    line_fields = ["amount_residual", "amount_residual_currency", "reconciled"]
    problems += _recompute_same(env, moves, move_fields)
    problems += _recompute_same(env, moves.line_ids, line_fields)
    invoice_lines = moves.filtered(lambda m: m.move_type == "out_invoice").line_ids
    price_fields = ["tax_tag_invert", "price_subtotal", "price_total"]
    problems += _recompute_same(env, invoice_lines, price_fields)
    # Odoo's tax computation gives the tax lines written.
    for line in moves.line_ids.filtered(lambda line: line.display_type == "tax"):
        taxes = line.tax_line_id.compute_all(line.tax_base_amount)["taxes"]
        if taxes[0]["amount"] != -line.balance:
            problems.append(f"tax of {line.move_id.name}: {line.balance} {taxes}")
            break
    lines = moves.line_ids.filtered("matching_number")
    before = {line.id: line.matching_number for line in lines}
    env["account.partial.reconcile"]._update_matching_number(lines)
    if any(line.matching_number != before[line.id] for line in lines):
        problems.append("Odoo numbers the matchings otherwise")
    # The addon's exposure of a sample of customers is the sum of their residuals.
    open_by_partner = {}
    for inv in invoices:
        open_by_partner.setdefault(inv["partner_id"], 0.0)
        open_by_partner[inv["partner_id"]] += inv["residual"]
    partner_ids = rng.sample(sorted(open_by_partner), min(500, len(open_by_partner)))
    partners = env["res.partner"].browse(partner_ids)
    exposures = env["dunning.credit.profile"]._get_exposure(partners)
    wrong = [
        p
        for p in partner_ids
        if abs(exposures[p].receivable - round(open_by_partner[p], 2)) > 0.005
    ]
    if wrong:
        problems.append(f"exposure of {len(wrong)} customers, e.g. {wrong[:5]}")
    # A payment through Odoo's wizard settles the rest of an open invoice.
    open_inv = next(inv for inv in sample if inv["residual"] and inv["payments"])
    move = Move.browse(open_inv["move_id"])
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=move.ids
    ).create({})._create_payments()
    if (
        move.payment_state not in ("paid", "in_payment")
        or Line.browse(open_inv["line_id"]).amount_residual
    ):
        problems.append(f"paying {move.name} through Odoo left it {move.payment_state}")
    return problems


def _recompute_same(env, records, fnames):
    before = {r.id: [r[f] for f in fnames] for r in records}
    records.invalidate_recordset(fnames)
    for fname in fnames:
        env.add_to_compute(records._fields[fname], records)
    diff = [r.id for r in records if [r[f] for f in fnames] != before[r.id]]
    if not diff:
        fields_text = ", ".join(fnames)
        print(f"[check] Odoo recomputes {fields_text} of {len(records)} alike")
        return []
    r = records.browse(diff[0])
    return [
        f"{records._name} {len(diff)} differ, e.g. {r.id}: "
        f"{list(zip(fnames, before[r.id], [r[f] for f in fnames], strict=True))}"
    ]


def summary(invoices, today):
    open_amount = sum(inv["residual"] for inv in invoices)
    overdue = sum(inv["residual"] for inv in invoices if inv["due"] < today)
    return {
        "invoices": len(invoices),
        "paid": sum(1 for inv in invoices if not inv["residual"]),
        "partial": sum(1 for inv in invoices if inv["residual"] and inv["payments"]),
        "open": sum(1 for inv in invoices if inv["residual"]),
        "overdue invoices": sum(
            1 for inv in invoices if inv["residual"] and inv["due"] < today
        ),
        "open amount": round(open_amount, 2),
        "overdue share of open": round(overdue / open_amount, 3),
    }


def main():
    args = parse_args()
    check_db_name(args.db, args.force_db)
    start = last = time.perf_counter()

    def lap(what):
        nonlocal last
        now = time.perf_counter()
        print(f"[generate] {what}: {now - last:.1f} s", flush=True)
        last = now

    install(args)
    lap("odoo-bin -i dunning_advanced")
    odoo = load_odoo(args.odoo_src, args.addons_path, args.db)
    with environment(odoo, args.db, commit=True) as env:
        today = odoo.fields.Date.context_today(env.user)
        setup = company_setup(env)
        partners, invoices = plan(
            args.partners, args.invoices, today, setup["tax"]["rate"], args.seed
        )
        lap("plan")
        counts = Loader(env.cr, setup, today).load(partners, invoices)
        # The benchmarks run as of this day, whenever they run.
        env["ir.config_parameter"].set_param("dunning_bench.today", str(today))
        lap(f"rows written, indexes rebuilt: {counts}")
    # The tables written, not the catalogs (which only a superuser vacuums).
    loaded = "res_partner, account_move, account_move_line, account_partial_reconcile"
    subprocess.run(
        [
            "psql",
            "-q",
            "-d",
            args.db,
            "-c",
            f"VACUUM ANALYZE {loaded}, "
            "account_full_reconcile, account_move_line_account_tax_rel",
        ],
        check=True,
    )
    lap("VACUUM ANALYZE")
    print(f"[generate] {summary(invoices, today)}")
    total = time.perf_counter() - start
    with environment(odoo, args.db) as env:  # rolled back
        problems = check(env, invoices, args.seed)
    lap("checks (ORM)")
    print(f"[generate] generation {total:.1f} s (checks not included)")
    if problems:
        sys.exit("CHECKS FAILED:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
