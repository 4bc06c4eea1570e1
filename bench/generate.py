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
import resource
import subprocess
import sys
import time
from array import array
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odoo_env import check_db_name, environment, load_odoo, parse_odoo_args

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dunning_bench")
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--invoices", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    args = parse_odoo_args(parser)
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
    """Customers (dicts) and their invoices (``Invoices``, in date order)."""
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
    invoices = Invoices(n_invoices)
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
            partner["index"],
            invoice_date,
            due,
            untaxed,
            total,
            [(d, a) for d, a in payments if d <= today],
        )
    del chosen
    invoices.sort_by_date()
    return partners, invoices


class Invoices:
    """The planned invoices as columns of ``array``s (about 60 bytes an invoice,
    where a dict an invoice took about 1 kB): 1M invoices fit in memory.

    Dates are ordinals; each invoice has up to two payments (day, amount), the
    days ``0`` when absent. Sorted by date (stable), as the rows are numbered.
    """

    INT_COLUMNS = ("partner", "date", "due", "n_payments")
    FLOAT_COLUMNS = ("untaxed", "total")

    def __init__(self, size_hint=0):
        for column in self.INT_COLUMNS:
            setattr(self, column, array("i"))
        for column in self.FLOAT_COLUMNS:
            setattr(self, column, array("d"))
        self.pay_day, self.pay_amount = array("i"), array("d")  # two per invoice

    def __len__(self):
        return len(self.date)

    def append(self, partner, day, due, untaxed, total, payments):
        self.partner.append(partner)
        self.date.append(day.toordinal())
        self.due.append(due.toordinal())
        self.untaxed.append(untaxed)
        self.total.append(total)
        self.n_payments.append(len(payments))
        padded = [*payments, (None, 0.0), (None, 0.0)][:2]
        for day_paid, amount in padded:
            self.pay_day.append(day_paid.toordinal() if day_paid else 0)
            self.pay_amount.append(amount)

    def sort_by_date(self):
        order = sorted(range(len(self)), key=self.date.__getitem__)  # stable
        for column in (*self.INT_COLUMNS, *self.FLOAT_COLUMNS):
            values = getattr(self, column)
            setattr(
                self, column, array(values.typecode, map(values.__getitem__, order))
            )
        for column in ("pay_day", "pay_amount"):
            values = getattr(self, column)
            setattr(
                self,
                column,
                array(
                    values.typecode,
                    (values[2 * i + k] for i in order for k in (0, 1)),
                ),
            )

    def payments(self, i):
        """[(ordinal day, amount)] of invoice ``i``."""
        return [
            (self.pay_day[2 * i + k], self.pay_amount[2 * i + k])
            for k in range(self.n_payments[i])
        ]

    def residuals(self):
        """What is still owed on each invoice, rounded as Odoo rounds."""
        result = array("d")
        for i in range(len(self)):
            paid = round(sum(amount for _day, amount in self.payments(i)), 2)
            result.append(round(self.total[i] - paid, 2))
        return result

    def payment_order(self):
        """(invoice, k) of each payment in payment date order (stable, as the
        invoices' list of payments sorted by day)."""
        keys = [(i, k) for i in range(len(self)) for k in range(self.n_payments[i])]
        keys.sort(key=lambda key: self.pay_day[2 * key[0] + key[1]])
        return keys


# ----------------------------------------------------------------------
# COPY
# ----------------------------------------------------------------------

CHUNK = 20000  # rows a table buffers before it is copied


class Table:
    """Rows of one table, written with COPY in chunks of ``CHUNK`` rows."""

    def __init__(self, cr, name, columns):
        self.cr, self.name, self.columns = cr, name, columns
        self.buffer, self.pending, self.count = io.StringIO(), 0, 0

    def add(self, **values):
        self.buffer.write("\t".join(_text(values.get(c)) for c in self.columns))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= CHUNK:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        self.buffer.seek(0)
        self.cr.copy_from(self.buffer, self.name, columns=self.columns, null="\\N")
        self.count += self.pending
        self.buffer, self.pending = io.StringIO(), 0


def _text(value):
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def reserve_ids(cr, table, count):
    """The first of ``count`` new ids of ``table``: its sequence moved past them."""
    cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = cr.fetchone()[0] + 1
    cr.execute("SELECT setval(%s, %s)", [f"{table}_id_seq", first + count])
    return first


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
    """Writes the planned rows with COPY as they are built, a chunk at a time:
    memory does not grow with the number of invoices (beyond ``Invoices``).

    Ids are reserved first; invoices (and their lines) come in date order,
    then payments in payment date order, the same ids and names as when every
    row was built in memory first (same seed, same data).
    """

    def __init__(self, cr, setup, today):
        self.cr, self.s, self.today = cr, setup, today
        self.partners = Table(cr, "res_partner", PARTNER_COLUMNS)
        self.moves = Table(cr, "account_move", MOVE_COLUMNS)
        self.lines = Table(cr, "account_move_line", LINE_COLUMNS)
        self.partials = Table(cr, "account_partial_reconcile", PARTIAL_COLUMNS)
        self.fulls = Table(cr, "account_full_reconcile", ("id", *COMMON))
        self.taxes = Table(
            cr,
            "account_move_line_account_tax_rel",
            ("account_move_line_id", "account_tax_id"),
        )
        self.numbers = {}

    def name(self, journal, day):
        prefix = f"{journal['code']}/{day.year}/"
        number = self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
        return prefix, number, f"{prefix}{number:05d}"

    def load(self, partners, invoices):
        """Write the rows; set on ``invoices`` the ids the checks need
        (``partner_ids``, ``first_move_id``, ``first_line_id``, ``residual``)."""
        cr = self.cr
        started = time.perf_counter()
        n = len(invoices)
        order = invoices.payment_order()
        residuals = invoices.residuals()
        first_partner = reserve_ids(cr, "res_partner", len(partners))
        first_move = reserve_ids(cr, "account_move", n + len(order))
        first_line = reserve_ids(cr, "account_move_line", 3 * n + 2 * len(order))
        first_partial = reserve_ids(cr, "account_partial_reconcile", len(order))
        next_full = reserve_ids(cr, "account_full_reconcile", n)
        # The first partial of an invoice (Odoo numbers a matching after its
        # smallest partial), the full reconciliation of a paid invoice.
        first_partial_of = array("i", [0]) * n
        for rank in range(len(order) - 1, -1, -1):
            first_partial_of[order[rank][0]] = first_partial + rank
        full_of = array("i", [0]) * n
        for i in range(n):
            if invoices.n_payments[i] and residuals[i] == 0:
                full_of[i], next_full = next_full, next_full + 1
        pids = [first_partner + p["index"] for p in partners]
        invoices.partner_ids, invoices.residual = pids, residuals
        invoices.first_move_id, invoices.first_line_id = first_move, first_line
        tables = (
            self.partners,
            self.fulls,
            self.moves,
            self.lines,
            self.taxes,
            self.partials,
        )
        restore = self._drop_indexes_and_foreign_keys([t.name for t in tables])
        print(f"[generate] ids reserved: {time.perf_counter() - started:.1f} s")
        for p in partners:
            self.partner(p, pids[p["index"]])
        self.partners.flush()
        for full_id in full_of:
            if full_id:
                self.fulls.add(id=full_id, **COMMON)
        self.fulls.flush()
        names = []
        for i in range(n):
            matching = None
            if full_of[i]:
                matching = str(full_of[i])
            elif invoices.n_payments[i]:
                matching = f"P{first_partial_of[i]}"
            names.append(
                self.invoice(
                    invoices,
                    i,
                    pids[invoices.partner[i]],
                    first_move + i,
                    first_line + 3 * i,
                    residuals[i],
                    full_of[i] or None,
                    matching,
                )
            )
        for rank, (i, k) in enumerate(order):
            self.payment(
                date.fromordinal(invoices.pay_day[2 * i + k]),
                invoices.pay_amount[2 * i + k],
                date.fromordinal(invoices.date[i]),
                pids[invoices.partner[i]],
                names[i],
                first_line + 3 * i + 2,
                first_move + n + rank,
                first_line + 3 * n + 2 * rank,
                first_partial + rank,
                full_of[i] or None,
                str(full_of[i]) if full_of[i] else f"P{first_partial_of[i]}",
            )
        for table in tables:
            table.flush()
        print(
            f"[generate] rows built and copied: {time.perf_counter() - started:.1f} s"
        )
        restore()
        print(
            "[generate] foreign keys checked, indexes rebuilt: "
            f"{time.perf_counter() - started:.1f} s"
        )
        return {t.name: t.count for t in tables}

    def _drop_indexes_and_foreign_keys(self, tables):
        """Drop the secondary indexes and foreign keys of ``tables``; return
        the function that adds them back (the keys checked then, all at once).

        Indexes are built faster at once than row by row (the trigram ones
        above all); primary keys stay. Dropping the foreign keys is what the
        table owner may do, where skipping them (session_replication_role)
        needs a superuser.
        """
        cr = self.cr
        cr.execute(
            """SELECT indexname, indexdef FROM pg_indexes
                WHERE tablename = ANY(%s)
                  AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
            [tables],
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(f'DROP INDEX "{name}"')
        cr.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                 FROM pg_constraint
                WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
            [tables],
        )
        foreign_keys = cr.fetchall()
        for table, name, _definition in foreign_keys:
            cr.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

        def restore():
            for table, name, definition in foreign_keys:
                cr.execute(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                )
            for _name, definition in indexes:
                cr.execute(definition)

        return restore

    def partner(self, p, pid):
        s = self.s
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

    def invoice(
        self, invoices, i, partner_id, move_id, line_id, residual, full_id, matching
    ):
        """Write invoice ``i``: its move and its three lines; return its name."""
        s, journal = self.s, self.s["sale_journal"]
        day = date.fromordinal(invoices.date[i])
        due = date.fromordinal(invoices.due[i])
        prefix, number, name = self.name(journal, day)
        untaxed, total = invoices.untaxed[i], invoices.total[i]
        tax = round(total - untaxed, 2)
        paid = round(sum(amount for _day, amount in invoices.payments(i)), 2)
        state = "not_paid" if not paid else "partial" if residual else "paid"
        self.moves.add(
            **COMMON,
            id=move_id,
            name=name,
            sequence_prefix=prefix,
            sequence_number=number,
            journal_id=journal["id"],
            company_id=s["company_id"],
            currency_id=s["currency_id"],
            partner_id=partner_id,
            commercial_partner_id=partner_id,
            partner_shipping_id=partner_id,
            state="posted",
            move_type="out_invoice",
            auto_post="no",
            date=day,
            invoice_date=day,
            invoice_date_due=due,
            payment_reference=name,
            payment_state=state,
            invoice_partner_display_name=f"Customer {invoices.partner[i] + 1:05d}",
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
            "partner_id": partner_id,
            "date": day,
            "invoice_date": day,
        }
        self.line(
            **common,
            id=line_id,
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
        self.taxes.add(account_move_line_id=line_id, account_tax_id=s["tax"]["id"])
        self.line(
            **common,
            id=line_id + 1,
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
        self.line(
            **common,
            id=line_id + 2,
            account_id=s["receivable_id"],
            display_type="payment_term",
            sequence=12000,
            name=name,
            date_maturity=due,
            balance=total,
            amount_residual=residual,
            amount_residual_currency=residual,
            reconciled=residual == 0,
            full_reconcile_id=full_id,
            matching_number=matching,
        )
        return name

    def payment(
        self,
        day,
        amount,
        invoice_date,
        partner_id,
        invoice_name,
        invoice_line_id,
        move_id,
        line_id,
        partial_id,
        full_id,
        matching,
    ):
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
            partner_id=partner_id,
            commercial_partner_id=partner_id,
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
            "partner_id": partner_id,
            "date": day,
            "name": f"Payment of {invoice_name}",
        }
        # A bank account line keeps its residual (no statement to match).
        self.line(
            **common,
            id=line_id,
            account_id=journal["account_id"],
            display_type="product",
            sequence=10,
            balance=amount,
            amount_residual=amount,
            amount_residual_currency=amount,
        )
        self.line(
            **common,
            id=line_id + 1,
            account_id=s["receivable_id"],
            display_type="product",
            sequence=20,
            balance=-amount,
            reconciled=True,
            full_reconcile_id=full_id,
            matching_number=matching,
        )
        self.partials.add(
            **COMMON,
            id=partial_id,
            debit_move_id=invoice_line_id,
            credit_move_id=line_id + 1,
            debit_currency_id=s["currency_id"],
            credit_currency_id=s["currency_id"],
            company_id=s["company_id"],
            full_reconcile_id=full_id,
            max_date=max(day, invoice_date),
            amount=amount,
            debit_amount_currency=amount,
            credit_amount_currency=amount,
        )


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
    n = len(invoices)
    sample = rng.sample(range(n), min(2000, n))
    moves = Move.browse([invoices.first_move_id + i for i in sample])
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
    for i in range(n):
        partner_id = invoices.partner_ids[invoices.partner[i]]
        open_by_partner.setdefault(partner_id, 0.0)
        open_by_partner[partner_id] += invoices.residual[i]
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
    open_inv = next(
        i for i in sample if invoices.residual[i] and invoices.n_payments[i]
    )
    move = Move.browse(invoices.first_move_id + open_inv)
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=move.ids
    ).create({})._create_payments()
    if (
        move.payment_state not in ("paid", "in_payment")
        or Line.browse(invoices.first_line_id + 3 * open_inv + 2).amount_residual
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
    today = today.toordinal()
    residual, n = invoices.residual, len(invoices)
    open_amount = sum(residual)
    overdue = sum(residual[i] for i in range(n) if invoices.due[i] < today)
    return {
        "invoices": n,
        "paid": sum(1 for r in residual if not r),
        "partial": sum(1 for i in range(n) if residual[i] and invoices.n_payments[i]),
        "open": sum(1 for r in residual if r),
        "overdue invoices": sum(
            1 for i in range(n) if residual[i] and invoices.due[i] < today
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[generate] peak RSS of this process: {peak:.0f} MB")
    if problems:
        sys.exit("CHECKS FAILED:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
