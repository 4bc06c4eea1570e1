"""Demo data: an Italian company and 18 months of customers' payment history.

Called once from demo/dunning_demo.xml. Deterministic (fixed random seed) and
relative to the day of installation, so every aging bucket and every risk
class is populated whenever the demo is installed.
"""

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

# name, city, behaviour, monthly amount, credit limit (0: none), external rating
DEMO_CUSTOMERS = [
    ("Acciaierie Lombarde S.p.A.", "Brescia", "punctual", 14000, 60000, 10),
    ("Cartiera del Brenta S.r.l.", "Padova", "punctual", 6000, 25000, None),
    ("Oleificio Sabino S.r.l.", "Rieti", "punctual", 3200, 15000, None),
    ("Tessitura Biellese S.p.A.", "Biella", "punctual", 9000, 40000, 15),
    ("Vetreria Muranese S.n.c.", "Venezia", "punctual", 2500, 10000, None),
    ("Ceramiche Sassuolo S.r.l.", "Sassuolo", "punctual", 7500, 30000, None),
    ("Pastificio Gragnano S.r.l.", "Gragnano", "early", 4000, 20000, None),
    ("Cantine Langhe Unite Soc. Coop.", "Alba", "early", 5200, 20000, None),
    ("Edilizia Tirrena S.r.l.", "Livorno", "late_10_20", 8000, 30000, None),
    ("Trasporti Adriatici S.r.l.", "Ancona", "late_10_20", 5500, 20000, 45),
    ("Mobilificio Brianza S.r.l.", "Monza", "late_10_20", 6500, 25000, None),
    ("Officine Meccaniche Emiliane S.p.A.", "Modena", "late_10_20", 11000, 40000, None),
    ("Calzaturificio Marchigiano S.r.l.", "Fermo", "late_10_20", 4200, 15000, None),
    ("Tipografia Salentina S.n.c.", "Lecce", "late_10_20", 1800, 8000, None),
    ("Agricola Pianura Padana S.S.", "Cremona", "occasional", 3600, 15000, None),
    ("Farmaceutica Ligure S.r.l.", "Genova", "occasional", 9500, 35000, None),
    ("Elettronica Sarda S.r.l.", "Cagliari", "occasional", 2800, 12000, None),
    (
        "Grande Distribuzione Centro Italia S.p.A.",
        "Roma",
        "over_limit",
        38000,
        90000,
        55,
    ),
    ("Impianti Termici Veneti S.r.l.", "Verona", "dispute", 5000, 25000, None),
    ("Costruzioni Partenopee S.r.l.", "Napoli", "stopped", 7000, 30000, 85),
    ("Logistica Siciliana S.r.l.", "Catania", "defaulted", 3000, 12000, 95),
    ("Ristorazione Collettiva Toscana S.r.l.", "Firenze", "partial", 4500, 18000, None),
    ("Falegnameria Trentina S.n.c.", "Trento", "partial", 1500, 6000, None),
    ("Studio Tecnico Ing. Ferrari", "Bologna", "slow", 1200, 5000, None),
    ("Nuova Energia Solare S.r.l.", "Bari", "new", 6000, 20000, None),
    ("Startup Digitale Torinese S.r.l.", "Torino", "new", 2000, 0, None),
    ("Alpine Handels AG", "Lugano", "foreign", 5000, 20000, None),
    ("Hotel Lago di Garda S.r.l.", "Riva del Garda", "seasonal", 3800, 15000, None),
    ("Autofficina Rossi di Mario Rossi", "Parma", "late_10_20", 900, 3000, None),
    ("Giulia Esposito", "Salerno", "consumer", 350, 0, None),
]


class DunningDemo(models.AbstractModel):
    _name = "dunning.demo"
    _description = "Demo Data of Credit and Dunning"

    @api.model
    def _generate(self):
        """Create the demo company, its customers and their history."""
        company = self._create_company()
        env = self.with_company(company).env
        rng = random.Random(2002)  # the year of D.Lgs. 231: any fixed seed
        today = fields.Date.context_today(self)
        company.credit_hold_enforced = False  # history happened before any hold
        products = self.with_env(env)._create_products(company)
        partners = self.with_env(env)._create_customers(company)
        invoices = []
        payments = []
        for partner, (_n, _c, behaviour, amount, _l, _r) in zip(
            partners, DEMO_CUSTOMERS, strict=True
        ):
            plan = self._history_plan(behaviour, amount, today, rng)
            for invoice_date, due_date, total, paid in plan:
                invoices.append((partner, invoice_date, due_date, total, paid))
        moves = self.with_env(env)._create_invoices(company, products, invoices)
        for move, invoice in zip(moves, invoices, strict=True):
            payments.extend((move, pay_date, share) for pay_date, share in invoice[4])
        self.with_env(env)._register_payments(company, payments)
        self.with_env(env)._create_open_documents(company, partners, products, today)
        for partner, (_n, _c, _b, _a, limit, rating) in zip(
            partners, DEMO_CUSTOMERS, strict=True
        ):
            vals = {}
            if limit:
                vals.update(use_partner_credit_limit=True, credit_limit=limit)
            if rating is not None:
                vals.update(
                    risk_external_rating=rating,
                    risk_external_rating_date=today - timedelta(days=40),
                    risk_external_rating_source="CRIF",
                )
            partner.with_company(company).write(vals)
        self._extend_rates_for_demo(today)
        self.with_env(env)._run_past_dunning(company, today)
        self.with_env(env)._create_arrangements(company, partners, today)
        company.credit_hold_enforced = True
        return company

    def _extend_rates_for_demo(self, today):
        """Demo only: carry the last official rate forward to today, so that
        formal notices show interest. Each record says it is not official; a
        real company enters the half-year (or year) published in the Gazzetta
        Ufficiale instead."""
        Rate = self.env["dunning.interest.rate"].sudo()
        for kind, months in (("b2b", 6), ("legal", 12)):
            last = Rate.search([("kind", "=", kind)], order="date_to desc", limit=1)
            while last and last.date_to < today:
                start = last.date_to + timedelta(days=1)
                end = (start + relativedelta(months=months)) - timedelta(days=1)
                last = Rate.create(
                    {
                        "kind": kind,
                        "date_from": start,
                        "date_to": end,
                        "rate": last.rate,
                        "source": "DEMO ONLY, not an official rate: the previous "
                        "period's rate carried forward. Replace it with the "
                        "published figure.",
                    }
                )

    def _create_arrangements(self, company, partners, today):
        """After the reminders: a dispute, a promise to pay and a repayment
        plan (piano di rientro), as the collectors would have recorded them."""
        by_behaviour = {}
        for partner, (_n, _c, behaviour, _a, _l, _r) in zip(
            partners, DEMO_CUSTOMERS, strict=True
        ):
            by_behaviour.setdefault(behaviour, []).append(partner)

        def overdue(partner):
            return self.env["account.move"].search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", today),
                ],
                order="invoice_date_due",
            )

        admin = self.env.ref("base.user_admin")
        disputed = overdue(by_behaviour["dispute"][0])[-1:]
        if disputed:
            self.env["dunning.dispute"].create(
                {
                    "company_id": company.id,
                    "move_id": disputed.id,
                    "reason": "Two radiators delivered damaged: the customer "
                    "withholds payment until they are replaced.",
                    "user_id": admin.id,
                }
            )
        promiser, planner = by_behaviour["partial"][:2]
        promised = overdue(promiser)
        if promised:
            self.env["dunning.promise"].create(
                {
                    "company_id": company.id,
                    "partner_id": promiser.id,
                    "move_ids": [Command.set(promised.ids)],
                    "promise_date": today - timedelta(days=2),
                    "date": today + timedelta(days=10),
                    "amount": sum(promised.mapped("amount_residual")),
                    "user_id": admin.id,
                    "note": "Promised by phone by the administration office.",
                }
            )
        planned = overdue(planner)
        if planned:
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "company_id": company.id,
                    "partner_id": planner.id,
                    "move_ids": [Command.set(planned.ids)],
                    "instalment_count": 3,
                    "first_date": today + timedelta(days=15),
                    "user_id": admin.id,
                }
            )
            plan.action_compute_instalments()
            plan.action_activate()

    def _run_past_dunning(self, company, today, weeks=12):
        """Weekly manual runs over the last weeks, as an accountant would have
        done them: the reminders and levels the invoices open today reached."""
        Run = self.env["dunning.run"].sudo().with_company(company)
        for week in range(weeks, 0, -1):
            day = today - timedelta(weeks=week)
            run = Run.create(
                {
                    "company_id": company.id,
                    "date": day,
                    "run_type": "manual",
                    "state": "preview",
                }
            )
            run.action_preview()
            run._before_run(day)
            run.communication_ids._send(approved=True, on_date=day)
            run._finish()

    # ------------------------------------------------------------------

    def _create_company(self):
        italy = self.env.ref("base.it")
        company = self.env["res.company"].create(
            {
                "name": "Rossi Forniture Industriali S.r.l.",
                "street": "Via Giuseppe Verdi 12",
                "zip": "20121",
                "city": "Milano",
                "country_id": italy.id,
                "state_id": self.env.ref("base.state_it_mi").id,
                "vat": "IT12345670017",
                "phone": "+39 02 1234567",
                "email": "amministrazione@rossiforniture.example.com",
                "currency_id": self.env.ref("base.EUR").id,
            }
        )
        ChartTemplate = self.env["account.chart.template"]
        # The Italian chart only when l10n_it is installed: the mapping lists
        # the charts of uninstalled modules too.
        italian = ChartTemplate._get_chart_template_mapping().get("it")
        template = (
            "it"
            if italian
            and self.env["ir.module.module"]._get(italian["module"]).state
            == "installed"
            else "generic_coa"
        )
        # _load() rather than try_loading(): the registry is still loading during
        # the demo and try_loading() would warn about that.
        ChartTemplate._load(template, company, install_demo=False)
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [Command.link(company.id)], "company_id": company.id}
        )
        for user in self.env.ref("base.user_root") | admin:
            user.company_ids = [Command.link(company.id)]
        chf = self.env.ref("base.CHF")
        chf.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": chf.id,
                "company_id": company.id,
                "name": fields.Date.context_today(self) - relativedelta(months=20),
                "rate": 0.94,
            }
        )
        return company

    def _create_products(self, company):
        tax = self.env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 22),
                ("amount_type", "=", "percent"),
                ("price_include", "=", False),
            ],
            limit=1,
        )
        Product = self.env["product.product"]
        return Product.create(
            [
                {
                    "name": "Forniture industriali",
                    "type": "consu",
                    "invoice_policy": "order",
                    "list_price": 100.0,
                    "taxes_id": [Command.set(tax.ids)],
                    "company_id": company.id,
                },
                {
                    "name": "Servizio di manutenzione",
                    "type": "service",
                    "invoice_policy": "order",
                    "list_price": 80.0,
                    "taxes_id": [Command.set(tax.ids)],
                    "company_id": company.id,
                },
            ]
        )

    def _create_customers(self, company):
        italy = self.env.ref("base.it")
        switzerland = self.env.ref("base.ch")
        vals_list = []
        for index, (name, city, behaviour, *_rest) in enumerate(
            DEMO_CUSTOMERS, start=1
        ):
            vals_list.append(
                {
                    "name": name,
                    "is_company": behaviour != "consumer",
                    "city": city,
                    "street": f"Via Roma {index}",
                    "country_id": (switzerland if behaviour == "foreign" else italy).id,
                    "email": f"amministrazione{index}@example.com",
                    "customer_rank": 1,
                    "company_id": company.id,
                    "comment": f"Demo payment behaviour: {behaviour}",
                    "invoice_sending_method": "manual",
                }
            )
        return self.env["res.partner"].create(vals_list)

    @api.model
    def _history_plan(self, behaviour, amount, today, rng):
        """Invoices of the last 18 months and when (and how much) each was paid.

        :return: list of (invoice date, due date, total, [(pay date, share)]),
            the shares of one invoice adding up to 1 when it is fully paid
        """
        months = 2 if behaviour == "new" else 18
        plan = []
        for back in range(months, 0, -1):
            invoice_date = (
                today - relativedelta(months=back) + timedelta(days=rng.randint(0, 20))
            )
            if behaviour == "seasonal" and invoice_date.month not in (4, 5, 6, 7, 8, 9):
                continue
            terms = 60 if behaviour == "over_limit" else 30
            due = invoice_date + timedelta(days=terms)
            total = round(amount * rng.uniform(0.7, 1.3), 2)
            paid = self._payments_for(
                behaviour, invoice_date, due, total, today, rng, back
            )
            plan.append((invoice_date, due, total, [p for p in paid if p[0] <= today]))
        return plan

    @api.model
    def _payments_for(self, behaviour, invoice_date, due, total, today, rng, back):
        if behaviour == "consumer":
            behaviour = "occasional"
        if behaviour in ("punctual", "foreign", "seasonal", "new"):
            return [(due - timedelta(days=rng.randint(0, 3)), 1.0)]
        if behaviour == "early":
            return [(invoice_date + timedelta(days=rng.randint(5, 12)), 1.0)]
        if behaviour == "late_10_20":
            return [(due + timedelta(days=rng.randint(10, 20)), 1.0)]
        if behaviour == "occasional":
            late = rng.random() < 0.3
            return [(due + timedelta(days=rng.randint(5, 40) if late else 0), 1.0)]
        if behaviour == "over_limit":
            return [(due + timedelta(days=rng.randint(20, 45)), 1.0)]
        if behaviour == "dispute":
            if back == 4:  # the disputed invoice: left unpaid
                return []
            return [(due - timedelta(days=rng.randint(0, 2)), 1.0)]
        if behaviour == "stopped":
            if back <= 6:
                return []
            return [(due + timedelta(days=rng.randint(0, 25)), 1.0)]
        if behaviour == "defaulted":  # always very late, then nothing
            if back <= 7:
                return []
            return [(due + timedelta(days=rng.randint(60, 100)), 1.0)]
        if behaviour == "partial":
            return [
                (due + timedelta(days=rng.randint(0, 10)), 0.5),
                (due + timedelta(days=rng.randint(45, 80)), 0.5),
            ]
        if behaviour == "slow":
            return [(due + timedelta(days=rng.randint(50, 95)), 1.0)]
        raise ValueError(f"Unknown demo behaviour {behaviour}")

    def _create_invoices(self, company, products, plan):
        """Create and post all invoices in a few batches."""
        Move = self.env["account.move"]
        chf = self.env.ref("base.CHF")
        vals_list = []
        for partner, invoice_date, due_date, total, _paid in plan:
            foreign = partner.country_id.code == "CH"
            product = products[1] if total < 2000 else products[0]
            line = {"product_id": product.id, "quantity": 1}
            if foreign:  # exports to Switzerland: no Italian VAT
                line.update(price_unit=total, tax_ids=[Command.clear()])
            else:
                line["price_unit"] = round(total / 1.22, 2)
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": due_date,
                    "currency_id": (chf if foreign else company.currency_id).id,
                    "invoice_line_ids": [Command.create(line)],
                }
            )
        moves = Move.create(vals_list)
        moves.action_post()
        return moves

    def _register_payments(self, company, payments):
        """Bank payments of each invoice's share, reconciled with it.

        The last share of an invoice pays exactly what is left, so a paid
        invoice has no residue of cents.
        """
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        shares, amounts = {}, {}
        vals_list = []
        for move, pay_date, share in payments:
            shares[move] = shares.get(move, 0.0) + share
            if shares[move] >= 0.999:  # the last share: what is left
                amount = move.amount_total - amounts.get(move, 0.0)
            else:
                amount = move.amount_total * share
            amount = move.currency_id.round(amount)
            amounts[move] = amounts.get(move, 0.0) + amount
            vals_list.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": move.commercial_partner_id.id,
                    "amount": amount,
                    "currency_id": move.currency_id.id,
                    "date": pay_date,
                    "journal_id": journal.id,
                    "memo": move.name,
                }
            )
        records = self.env["account.payment"].create(vals_list)
        records.action_post()
        for payment, (move, _date, _share) in zip(records, payments, strict=True):
            lines = (payment.move_id.line_ids | move.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
            lines.reconcile()

    def _create_open_documents(self, company, partners, products, today):
        """Confirmed orders not yet invoiced, and draft invoices."""
        by_behaviour = {
            row[2]: p for p, row in zip(partners, DEMO_CUSTOMERS, strict=True)
        }
        SaleOrder = self.env["sale.order"]
        orders = SaleOrder.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": products[0].id,
                                "product_uom_qty": qty,
                                "price_unit": 100,
                            }
                        )
                    ],
                }
                for partner, qty in (
                    (by_behaviour["over_limit"], 180),
                    (by_behaviour["punctual"], 60),
                    (by_behaviour["late_10_20"], 40),
                    (by_behaviour["new"], 25),
                )
            ]
        )
        orders.action_confirm()
        SaleOrder.create(
            {
                "partner_id": by_behaviour["stopped"].id,
                "company_id": company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": products[0].id,
                            "product_uom_qty": 30,
                            "price_unit": 100,
                        }
                    )
                ],
            }
        )  # a quotation the hold will stop
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": by_behaviour["occasional"].id,
                "company_id": company.id,
                "invoice_date": today,
                "invoice_line_ids": [
                    Command.create({"product_id": products[1].id, "quantity": 12})
                ],
            }
        )
