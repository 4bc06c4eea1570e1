"""Demo data: an Italian company and 18 months of customers' payment history.

Called once from demo/dunning_demo.xml. Deterministic (fixed random seed) and
relative to the day of installation, so every aging bucket and every risk
class is populated whenever the demo is installed.
"""

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from stdnum import luhn
from stdnum.it import codicefiscale

from odoo import Command, api, fields, models
from odoo.tools import SQL

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


# Fiscal code of the consumer (Giulia Esposito, born in Salerno on 1 January
# 1980), without its check character.
CONSUMER_FISCAL_CODE = "SPSGLI80A41H703"
COMPANY_IBAN = "IT60X0542811101000000123456"
# Weekly dunning runs done in the past weeks.
PAST_RUN_WEEKS = 12
COMPANY_BIC = "BPMOIT22XXX"


def demo_vat_number(index):
    """A valid Italian VAT number (partita IVA): 7 digits, the office code of
    Milan (015), and the Luhn check digit."""
    base = "%07d015" % (3141500 + 97 * index)
    return base + luhn.calc_check_digit(base)


class DunningDemo(models.AbstractModel):
    _name = "dunning.demo"
    _description = "Demo Data of Credit and Dunning"

    @api.model
    def _generate(self):
        """Create the demo company, then its customers and their history as
        the admin user, as a person would have recorded them: the chatter
        shows who, not OdooBot."""
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        # The history's letters are written now, in each customer's language,
        # and Odoo loads a module's translations only after its demo data.
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], [lang for lang in langs if lang != "en_US"]
        )
        company = self._create_company()
        admin = self.env.ref("base.user_admin")
        self.with_user(admin).with_company(company)._generate_history(company)
        return company

    def _generate_history(self, company):
        rng = random.Random(2002)  # the year of D.Lgs. 231: any fixed seed
        today = fields.Date.context_today(self)
        company.credit_hold_enforced = False  # history happened before any hold
        products = self._create_products(company)
        partners = self._create_customers(company)
        invoices = []
        payments = []
        for partner, (_n, _c, behaviour, amount, _l, _r) in zip(
            partners, DEMO_CUSTOMERS, strict=True
        ):
            plan = self._history_plan(behaviour, amount, today, rng)
            for invoice_date, due_date, total, paid in plan:
                invoices.append((partner, invoice_date, due_date, total, paid))
        moves = self._create_invoices(company, products, invoices)
        for move, invoice in zip(moves, invoices, strict=True):
            payments.extend((move, pay_date, share) for pay_date, share in invoice[4])
        # Payments before the past dunning runs now; the later ones week by
        # week between the runs, so each run sees what was open on its day
        # (and reminder effectiveness has payments after reminders).
        start = today - timedelta(weeks=PAST_RUN_WEEKS)
        ledger = {}
        self._register_payments(company, [p for p in payments if p[1] < start], ledger)
        later = sorted((p for p in payments if p[1] >= start), key=lambda p: p[1])
        self._create_open_documents(company, partners, products, today)
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
        seller, _collector = self._create_team(company, partners)
        self._run_past_dunning(company, today, later, ledger)
        self._create_arrangements(company, partners, today)
        company.credit_hold_enforced = True
        self._create_worklist_cases(company, partners, today)
        self._create_approval_request(company, partners, seller)
        # A year of daily KPI snapshots, so the charts have history.
        self.env["dunning.kpi.snapshot"]._backfill(
            company, today - relativedelta(months=12), today
        )

    def _create_team(self, company, partners):
        """A salesperson and a collector (passwords as their logins), who
        follow most customers."""
        Users = self.env["res.users"].sudo().with_context(no_reset_password=True)
        lang = "it_IT" if self.env["res.lang"]._lang_get("it_IT") else "en_US"
        common = {
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "lang": lang,
            "tz": "Europe/Rome",
        }
        seller = Users.create(
            {
                **common,
                "name": "Marco Venditti",
                "login": "marco",
                "password": "marco",
                "email": "marco.venditti@rossiforniture.example.com",
                "groups_id": [
                    Command.set([self.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        collector = Users.create(
            {
                **common,
                "name": "Chiara Solleciti",
                "login": "chiara",
                "password": "chiara",
                "email": "chiara.solleciti@rossiforniture.example.com",
                "phone": "+39 02 1234568",
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("dunning_advanced.group_dunning_user").id,
                            self.env.ref("sales_team.group_sale_salesman").id,
                        ]
                    )
                ],
            }
        )
        for index, (partner, row) in enumerate(
            zip(partners, DEMO_CUSTOMERS, strict=True)
        ):
            vals = {"user_id": seller.id if index % 3 else False}
            if row[2] not in ("punctual", "early"):
                vals["dunning_collector_id"] = collector.id
            partner.write(vals)
        return seller, collector

    def _create_worklist_cases(self, company, partners, today):
        """Every reason of the worklist (Today) holds today for a customer:
        a call due, a promise due and one broken, a missed instalment, a
        dispute waiting for a week, news from a collection agency, and the
        reminders the engine leaves to a person (a formal notice to approve,
        an email that bounced) when the engine has those states."""
        by_behaviour = {}
        for partner, row in zip(partners, DEMO_CUSTOMERS, strict=True):
            by_behaviour.setdefault(row[2], []).append(partner)
        busy = (
            self.env["dunning.promise"]
            .search([("company_id", "=", company.id)])
            .partner_id
            | self.env["dunning.instalment.plan"]
            .search([("company_id", "=", company.id)])
            .partner_id
            | self.env["dunning.dispute"]
            .search([("company_id", "=", company.id)])
            .partner_id
            | by_behaviour["defaulted"][0]
        )
        # Customers late but not lost, with overdue invoices and nothing agreed.
        free = [
            partner
            for behaviour in (
                "late_10_20",
                "occasional",
                "slow",
                "over_limit",
                "stopped",
                "consumer",
                "seasonal",
                "new",
            )
            for partner in by_behaviour.get(behaviour, [])
            if partner not in busy and partner._dunning_overdue_invoices(company)
        ]
        caller, promiser, breaker, planner = (free + [None] * 4)[:4]
        planner = planner or caller  # few customers are late: one gets both
        if caller:
            caller.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=today,
                user_id=caller._dunning_responsible(company).id,
                summary="Sollecito telefonico: fatture scadute",
            )
        Promise = self.env["dunning.promise"]
        # A promise to pay due today, and one broken yesterday.
        for partner, date, broken in (
            (promiser, today, False),
            (breaker, today - timedelta(days=4), True),
        ):
            if not partner:
                continue
            invoices = partner._dunning_overdue_invoices(company)
            promise = Promise.create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(invoices.ids)],
                    "promise_date": date - timedelta(days=10),
                    "date": date,
                    "amount": sum(invoices.mapped("amount_residual")),
                    "note": "Promessa fatta al telefono dall'amministrazione.",
                }
            )
            if broken:
                promise._break(today - timedelta(days=1))
        # An instalment plan whose first instalment, three days ago, is unpaid
        # (within its 5 days of grace: the plan still runs).
        if planner:
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "company_id": company.id,
                    "partner_id": planner.id,
                    "move_ids": [
                        Command.set(planner._dunning_overdue_invoices(company).ids)
                    ],
                    "instalment_count": 3,
                    "first_date": today,
                }
            )
            plan.action_compute_instalments()
            plan.action_activate()
            # Agreed ten days ago, first instalment three days ago: a plan is
            # only made from today on, so its history is written afterwards.
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    "UPDATE dunning_instalment_plan SET first_date = first_date - 3,"
                    " activation_date = activation_date - 10 WHERE id = %s",
                    plan.id,
                )
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE dunning_instalment_plan_line SET date = date - 3"
                    " WHERE plan_id = %s",
                    plan.id,
                )
            )
            self.env.invalidate_all()
        # The demo's dispute has waited for ten days.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE dunning_dispute SET create_date = %s WHERE company_id = %s",
                fields.Datetime.now() - timedelta(days=10),
                company.id,
            )
        )
        self._create_agency_news(company, by_behaviour["defaulted"][0], today)
        # Reminder states of the engine that need a person, when it has them.
        Communication = self.env["dunning.communication"]
        if hasattr(Communication, "_on_email_failed"):
            sent = Communication.search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "sent"),
                    ("send_email", "=", True),
                ],
                order="date desc",
                limit=1,
            )
            sent._on_email_failed("550 5.1.1 mailbox unavailable")
        self.env.invalidate_all()

    def _create_approval_request(self, company, partners, seller):
        """The salesperson asks to confirm the quotation the hold stops."""
        debtor = partners[[row[2] for row in DEMO_CUSTOMERS].index("stopped")]
        quotation = self.env["sale.order"].search(
            [("partner_id", "=", debtor.id), ("state", "=", "draft")], limit=1
        )
        if quotation.credit_hold_state != "hold":
            return
        quotation.user_id = seller
        self.env["dunning.approval.request"].with_user(seller).create(
            {
                "res_model": "sale.order",
                "res_id": quotation.id,
                "note": "Il cliente ha inviato la contabile di un bonifico di "
                "5.000 euro: chiedo di confermare l'ordine.",
            }
        )

    def _create_agency_news(self, company, debtor, today):
        """A case handed to a collection agency, which reports this morning
        that it asked for a payment order (decreto ingiuntivo)."""
        agency = self.env["res.partner"].create(
            {
                "name": "Recupero Crediti Lombardia S.p.A.",
                "is_company": True,
                "city": "Milano",
                "country_id": self.env.ref("base.it").id,
                "email": "pratiche@recuperocrediti.example.com",
                "collection_agency_kind": "agency",
                "collection_handoff_channel": "email",
                "collection_fee_percent": 12.0,
                "lang": "it_IT" if self.env["res.lang"]._lang_get("it_IT") else "en_US",
            }
        )
        Case = self.env["dunning.collection.case"]
        case = Case.search(
            [("partner_id", "=", debtor.id), ("company_id", "=", company.id)], limit=1
        ) or Case.create({"partner_id": debtor.id, "company_id": company.id})
        case.agency_id = agency
        case.sudo()._apply_agency_status(
            "payment_order_requested", "Ricorso per decreto ingiuntivo depositato."
        )

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

    def _run_past_dunning(self, company, today, payments, ledger):
        """Weekly manual runs over the last weeks, as an accountant would have
        done them, each after the payments received until its day: the
        reminders and levels the invoices reached, and what was paid after."""
        Run = self.env["dunning.run"].sudo().with_company(company)
        for week in range(PAST_RUN_WEEKS, 0, -1):
            day = today - timedelta(weeks=week)
            self._register_payments(
                company, [p for p in payments if p[1] <= day], ledger
            )
            payments = [p for p in payments if p[1] > day]
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
        self._register_payments(company, payments, ledger)

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
        italian_fields = {
            "l10n_it_codice_fiscale": "12345670017",
            "l10n_it_pec_email": "rossiforniture@pec.example.it",
        }
        company.partner_id.write(
            {k: v for k, v in italian_fields.items() if k in company.partner_id._fields}
        )
        company.dunning_bank_id = self.env["res.partner.bank"].create(
            {
                "acc_number": COMPANY_IBAN,
                "partner_id": company.partner_id.id,
                "company_id": company.id,
                "bank_id": self.env["res.bank"]
                .create({"name": "Banco BPM", "bic": COMPANY_BIC})
                .id,
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
        """Italian customers write in Italian (when the language is loaded:
        ``make demo`` loads it) and have a VAT number, a fiscal code and a PEC
        address; the Swiss one writes in English."""
        italy = self.env.ref("base.it")
        switzerland = self.env.ref("base.ch")
        italian = "it_IT" if self.env["res.lang"]._lang_get("it_IT") else "en_US"
        Partner = self.env["res.partner"]
        vals_list = []
        for index, (name, city, behaviour, *_rest) in enumerate(
            DEMO_CUSTOMERS, start=1
        ):
            foreign = behaviour == "foreign"
            vals = {
                "name": name,
                "is_company": behaviour != "consumer",
                "city": city,
                "street": f"Via Roma {index}",
                "country_id": (switzerland if foreign else italy).id,
                "email": f"amministrazione{index}@example.com",
                "customer_rank": 1,
                "company_id": company.id,
                "comment": f"Demo payment behaviour: {behaviour}",
                "invoice_sending_method": "manual",
                "lang": "en_US" if foreign else italian,
            }
            if not foreign:
                slug = "".join(c for c in name.lower() if c.isalnum())[:20]
                vals["dunning_pec_email"] = f"{slug}@pec.example.it"
                if behaviour == "consumer":
                    fiscal_code = CONSUMER_FISCAL_CODE + codicefiscale.calc_check_digit(
                        CONSUMER_FISCAL_CODE
                    )
                else:
                    vat = demo_vat_number(index)
                    vals["vat"] = f"IT{vat}"
                    fiscal_code = vat  # a company's fiscal code is its VAT number
                if "l10n_it_codice_fiscale" in Partner._fields:
                    vals["l10n_it_codice_fiscale"] = fiscal_code
                if "l10n_it_pec_email" in Partner._fields:
                    vals["l10n_it_pec_email"] = vals["dunning_pec_email"]
            vals_list.append(vals)
        return Partner.create(vals_list)

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

    def _register_payments(self, company, payments, ledger=None):
        """Bank payments of each invoice's share, reconciled with it.

        The last share of an invoice pays exactly what is left, so a paid
        invoice has no residue of cents; ``ledger`` keeps the shares paid
        across calls.
        """
        if not payments:
            return
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        ledger = {} if ledger is None else ledger
        shares = ledger.setdefault("shares", {})
        amounts = ledger.setdefault("amounts", {})
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
