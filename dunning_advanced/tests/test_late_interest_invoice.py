import csv
import io
from decimal import Decimal as D

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2024-03-01")
class TestLateInterestInvoice(DunningTestCommon):
    """Interest invoices from the shipped rates (data/dunning.interest.rate.csv).

    The test company keeps its books in USD; 1 USD = 1.25 EUR, so the 40 EUR
    compensation of art. 6 D.Lgs. 231/2002 is 40 / 1.25 = 32.00 USD.
    Day count of lib/late_interest.py: actual/365 fixed (365 in leap years
    too), interest = amount * rate / 100 * days / 365, from the day after the
    due date to the payment date included; lines exact, total rounded once.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo data carries the last rate forward to today; these tests
        # work on the official table that ships with the addon only.
        cls.env["dunning.interest.rate"].search(
            [("source", "=like", "DEMO ONLY%")]
        ).unlink()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 1.25)])
        cls.consumer = cls._create_customer("Mario Rossi", is_company=False)

    def _wizard(self, records, date_to, user=None, **vals):
        """The wizard as opened from the list of ``records`` and filled in."""
        env = self.env(user=user) if user else self.env
        wizard = Form(
            env["account.move.interest.invoice"].with_context(
                active_model=records._name, active_ids=records.ids
            )
        )
        wizard.date_to = date_to
        wizard.invoice_date = date_to
        for name, value in vals.items():
            setattr(wizard, name, value)
        return wizard.save()

    def _run(self, records, date_to, user=None, **vals):
        action = self._wizard(
            records, date_to, user=user, **vals
        ).action_create_invoices()
        return self.env["account.move"].search(action["domain"], order="id")

    def _charges(self, invoice):
        return [
            (
                line.dunning_interest_type,
                line.dunning_interest_origin_id,
                line.price_subtotal,
            )
            for line in invoice.invoice_line_ids
        ]

    def _csv_rows(self, invoice):
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.name.endswith(".csv"))
        return list(csv.reader(io.StringIO(attachment.raw.decode())))

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def test_interest_over_three_half_years_each_at_its_rate(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        self._pay(invoice, 10000, d("2024-02-10"))
        wizard = self._wizard(invoice, d("2024-03-01"))
        (result,) = wizard._compute_interests(invoice)
        # 2023-05-16..06-30: 16 + 30 = 46 days at 2.50 + 8 = 10.50 %
        #   10,000 * 10.50 / 100 * 46 / 365 = 132.3287...
        # 2023-07-01..12-31: 184 days at 4.00 + 8 = 12.00 %
        #   10,000 * 12.00 / 100 * 184 / 365 = 604.9315...
        # 2024-01-01..02-10 (payment day included): 31 + 10 = 41 days at 12.50 %
        #   (365, not 366, in the leap year 2024)
        #   10,000 * 12.50 / 100 * 41 / 365 = 140.4109...
        # total 877.6712... -> 877.67; interest stops at the payment date.
        periods = [
            (line.start, line.end, line.days, line.rate, line.interest)
            for _due, line in result.lines
        ]
        self.assertEqual(
            periods,
            [
                (d("2023-05-16"), d("2023-06-30"), 46, D("10.50"), D("132.33")),
                (d("2023-07-01"), d("2023-12-31"), 184, D("12.00"), D("604.93")),
                (d("2024-01-01"), d("2024-02-10"), 41, D("12.50"), D("140.41")),
            ],
        )
        self.assertEqual(result.interest, D("877.67"))
        self.assertEqual(
            (result.date_from, result.date_to), (d("2023-05-16"), d("2024-02-10"))
        )
        # B2B: 40 EUR / 1.25 = 32.00 USD
        self.assertEqual(result.compensation, D("32.00"))

    def test_consumer_gets_the_legal_rate_and_no_compensation(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        wizard = self._wizard(invoice, d("2024-02-10"))
        (b2b,) = wizard._compute_interests(invoice)
        self.assertEqual((b2b.interest, b2b.compensation), (D("877.67"), D("32.00")))
        self.customer.is_company = False
        (b2c,) = wizard._compute_interests(invoice)
        # Legal rate per calendar year (art. 1284 c.c.):
        # 2023-05-16..12-31: 230 days at 5 %: 10,000 * 5/100 * 230/365 = 315.0684...
        # 2024-01-01..02-10: 41 days at 2.5 %: 10,000 * 2.5/100 * 41/365 = 28.0821...
        # total 343.1506... -> 343.15, and no 40 EUR for a consumer
        self.assertEqual(
            [(line.days, line.rate) for _due, line in b2c.lines],
            [(230, D("5.00")), (41, D("2.50"))],
        )
        self.assertEqual((b2c.interest, b2c.compensation), (D("343.15"), D("0")))

    def test_partial_payment_lowers_the_amount_bearing_interest(self):
        invoice = self._invoice(self.customer, 10000, d("2024-01-01"), d("2024-01-31"))
        self._pay(invoice, 4000, d("2024-02-09"))
        (result,) = self._wizard(invoice, d("2024-02-29"))._compute_interests(invoice)
        # 2024-02-01..02-09: 9 days on 10,000 at 12.50 %: 30.8219...
        # 2024-02-10..02-29: 20 days on 6,000 at 12.50 %: 41.0958...
        # total 71.9178... -> 71.92
        self.assertEqual(
            [(line.days, line.principal) for _due, line in result.lines],
            [(9, D("10000.00")), (20, D("6000.00"))],
        )
        self.assertEqual(result.interest, D("71.92"))

    def test_each_installment_bears_interest_from_its_own_due_date(self):
        invoice = self._invoice(self.customer, 10000, d("2024-01-01"), post=False)
        invoice.invoice_payment_term_id = self.pay_terms_b  # 30 % now, 70 % later
        invoice.action_post()
        # 30 % = 3,000 due 2024-01-01; 70 % = 7,000 due 2024-02-29 (end of the
        # following month): no late day yet on 2024-02-29.
        (result,) = self._wizard(invoice, d("2024-02-29"))._compute_interests(invoice)
        # 2024-01-02..02-29: 30 + 29 = 59 days on 3,000 at 12.50 %:
        # 3,000 * 12.50 / 100 * 59 / 365 = 60.6164... -> 60.62
        self.assertEqual(
            [(due, line.days, line.principal) for due, line in result.lines],
            [(d("2024-01-01"), 59, D("3000.00"))],
        )
        self.assertEqual(result.interest, D("60.62"))

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------

    def test_wizard_creates_an_invoice_with_interest_compensation_and_csv(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        self._pay(invoice, 10000, d("2024-02-10"))
        interest_invoice = self._run(invoice, d("2024-03-01"))
        self.assertEqual(len(interest_invoice), 1)
        self.assertRecordValues(
            interest_invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "currency_id": self.company.currency_id.id,
                    "invoice_date": d("2024-03-01"),
                    "amount_untaxed": 909.67,  # 877.67 + 32.00
                    "amount_tax": 0.0,
                    "amount_total": 909.67,
                    "dunning_excluded": True,
                }
            ],
        )
        interest_line, compensation_line = interest_invoice.invoice_line_ids
        self.assertEqual(
            self._charges(interest_invoice),
            [("interest", invoice, 877.67), ("compensation", invoice, 32.00)],
        )
        self.assertEqual(
            interest_line.product_id,
            self.env.ref("dunning_advanced.product_late_interest"),
        )
        self.assertEqual(
            compensation_line.product_id,
            self.env.ref("dunning_advanced.product_late_compensation"),
        )
        self.assertFalse(interest_invoice.invoice_line_ids.tax_ids)
        self.assertIn(invoice.name, interest_line.name)
        self.assertIn("D.Lgs. 231/2002", interest_line.name)
        self.assertEqual(
            (
                interest_line.dunning_interest_date_from,
                interest_line.dunning_interest_date_to,
            ),
            (d("2023-05-16"), d("2024-02-10")),
        )
        rows = self._csv_rows(interest_invoice)
        name = invoice.name
        basis = "D.Lgs. 231/2002 art. 5"
        self.assertEqual(rows[0][:3], ["invoice", "due_date", "basis"])
        self.assertEqual(
            rows[1:],
            [
                [name, "2023-05-15", basis, "2023-05-16", "2023-06-30", "46", "10.50",
                 "365", "10000.00", "132.33", "USD"],
                [name, "2023-05-15", basis, "2023-07-01", "2023-12-31", "184", "12.00",
                 "365", "10000.00", "604.93", "USD"],
                [name, "2023-05-15", basis, "2024-01-01", "2024-02-10", "41", "12.50",
                 "365", "10000.00", "140.41", "USD"],
                [name, "", "total interest", "", "", "", "", "", "", "877.67", "USD"],
                [name, "", "compensation D.Lgs. 231/2002 art. 6", "", "", "", "", "",
                 "", "32.00", "USD"],
            ],
        )  # fmt: skip
        interest_invoice.action_post()
        self.assertEqual(interest_invoice.state, "posted")
        self.assertEqual(invoice.dunning_interest_invoiced_to, d("2024-02-10"))
        self.assertTrue(invoice.dunning_compensation_invoiced)

    @freeze_time("2025-02-01")
    def test_one_invoice_per_currency_interest_in_the_invoice_currency(self):
        # The least late first: once an invoice is 60 days late, the customer is
        # on credit hold and no further invoice can be posted.
        usd_invoice = self._invoice(
            self.customer, 1000, d("2024-12-01"), d("2024-12-31")
        )
        eur_invoice = self._invoice(
            self.customer, 5000, d("2024-08-31"), d("2024-09-30"), currency=self.eur
        )
        invoices = self._run(eur_invoice | usd_invoice, d("2025-01-31"))
        by_currency = {inv.currency_id: inv for inv in invoices}
        self.assertEqual(set(by_currency), {self.eur, self.company.currency_id})
        # EUR 5,000 due 2024-09-30, unpaid to 2025-01-31:
        # 2024-10-01..12-31: 92 days at 4.25 + 8 = 12.25 %: 154.3835...
        # 2025-01-01..01-31: 31 days at 3.15 + 8 = 11.15 %: 47.3493...
        # total 201.7328... -> 201.73 EUR, and the 40.00 EUR as such
        self.assertEqual(
            self._charges(by_currency[self.eur]),
            [("interest", eur_invoice, 201.73), ("compensation", eur_invoice, 40.00)],
        )
        self.assertEqual(by_currency[self.eur].amount_total, 241.73)
        # USD 1,000 due 2024-12-31: 31 days at 11.15 %: 9.4698... -> 9.47 USD;
        # 40 EUR / 1.25 = 32.00 USD
        self.assertEqual(
            self._charges(by_currency[self.company.currency_id]),
            [("interest", usd_invoice, 9.47), ("compensation", usd_invoice, 32.00)],
        )
        # 154.3835 -> 154.38, 47.3493 -> 47.35 on the lines of the computation
        rows = self._csv_rows(by_currency[self.eur])
        self.assertEqual(
            [(row[5], row[6], row[9], row[10]) for row in rows[1:3]],
            [("92", "12.25", "154.38", "EUR"), ("31", "11.15", "47.35", "EUR")],
        )

    def test_second_run_invoices_only_the_new_days_and_no_second_compensation(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        first = self._run(invoice, d("2023-12-31"))
        # 46 days at 10.50 % + 184 days at 12.00 %: 132.3287 + 604.9315
        # = 737.2602... -> 737.26, and the compensation 32.00 USD
        self.assertEqual(
            self._charges(first),
            [("interest", invoice, 737.26), ("compensation", invoice, 32.00)],
        )
        self.assertEqual(invoice.dunning_interest_invoiced_to, d("2023-12-31"))
        second = self._run(invoice, d("2024-02-10"))
        # Only 2024-01-01..02-10: 41 days at 12.50 %: 140.4109... -> 140.41
        # (737.26 + 140.41 = 877.67, the figure of a single run to 2024-02-10)
        self.assertEqual(self._charges(second), [("interest", invoice, 140.41)])
        self.assertIn("01/01/2024", second.invoice_line_ids.name)
        self.assertEqual(invoice.dunning_interest_invoiced_to, d("2024-02-10"))
        with self.assertRaisesRegex(UserError, "Nothing to invoice up to 02/10/2024"):
            self._run(invoice, d("2024-02-10"))
        # A cancelled interest invoice gives its days back.
        second.button_cancel()
        self.assertEqual(invoice.dunning_interest_invoiced_to, d("2023-12-31"))
        again = self._run(invoice, d("2024-02-10"))
        self.assertEqual(self._charges(again), [("interest", invoice, 140.41)])

    def test_wizard_from_customer_adds_the_deferred_reminder_fee(self):
        # Not due yet on 2024-02-10: no interest. (Posted first: once the late
        # invoice is posted, the customer is on credit hold.)
        self._invoice(self.customer, 500, d("2024-02-01"), d("2024-03-31"))
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        policy = self.env["dunning.policy"].create(
            {"name": "Fees later", "company_id": self.company.id}
        )
        level = self.env["dunning.level"].create(
            {
                "name": "Firm reminder",
                "policy_id": policy.id,
                "send_email": False,
                "send_letter": True,
                "fee_type": "fixed",
                "fee_fixed": 15.0,
                "fee_posting": "interest_invoice",
            }
        )
        reminder = (
            self.env["dunning.communication"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "level_id": level.id,
                    "currency_id": self.company.currency_id.id,
                    "date": d("2024-01-15"),
                    "state": "sent",
                    "fee_amount": 15.0,
                }
            )
        )
        interest_invoice = self._run(self.customer, d("2024-02-10"), post_invoices=True)
        self.assertEqual(interest_invoice.state, "posted")
        self.assertEqual(
            self._charges(interest_invoice),
            [
                ("interest", invoice, 877.67),
                ("compensation", invoice, 32.00),
                ("fee", self.env["account.move"], 15.00),
            ],
        )
        self.assertEqual(interest_invoice.amount_total, 924.67)  # 877.67 + 32 + 15
        self.assertRecordValues(
            reminder, [{"fee_invoiced": True, "fee_move_id": interest_invoice.id}]
        )
        self.assertEqual(self._csv_rows(interest_invoice)[-1][2:], [
            "reminder fee", "", "", "", "", "", "", "15.00", "USD"
        ])  # fmt: skip

    def _reminder(self, invoice, date, **level_vals):
        """A draft reminder of ``invoice`` at a level that adds interest."""
        policy = self.env["dunning.policy"].create(
            {"name": "With interest", "company_id": self.company.id}
        )
        level = self.env["dunning.level"].create(
            {
                "name": "Formal notice",
                "policy_id": policy.id,
                "send_email": False,
                "send_letter": True,
                "add_interest": True,
                **level_vals,
            }
        )
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        return (
            self.env["dunning.communication"]
            .sudo()
            .create(
                {
                    "partner_id": invoice.partner_id.id,
                    "company_id": self.company.id,
                    "level_id": level.id,
                    "currency_id": invoice.currency_id.id,
                    "date": date,
                    "line_ids": [
                        Command.create(
                            {
                                "move_line_id": receivable.id,
                                "date_maturity": receivable.date_maturity,
                                "amount_original": invoice.amount_total,
                                "amount_residual": invoice.amount_residual,
                            }
                        )
                    ],
                }
            )
        )

    def test_reminder_does_not_claim_again_what_was_invoiced(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        reminder = self._reminder(invoice, d("2024-02-10"))
        reminder._compute_interest()
        # Nothing invoiced yet: 877.67 (see the three half-years) and 32.00 USD
        self.assertEqual(
            (reminder.interest_amount, reminder.compensation_amount), (877.67, 32.0)
        )
        self._run(invoice, d("2023-12-31"))
        reminder._compute_interest()
        # Invoiced up to 2023-12-31 with the compensation: only 2024-01-01..02-10,
        # 41 days at 12.50 % = 140.41, and no second 40 EUR
        self.assertEqual(
            (reminder.interest_amount, reminder.compensation_amount), (140.41, 0.0)
        )
        late = self._reminder(invoice, d("2026-08-31"))
        late._compute_interest()
        self.assertEqual(
            late.interest_note,
            f"{invoice.name}: No statutory rate for 2026-07-01 – 2026-08-31: add "
            "the second half-year 2026 rate in Configuration.",
        )

    # ------------------------------------------------------------------
    # Errors and access
    # ------------------------------------------------------------------

    @freeze_time("2027-02-01")
    def test_missing_rate_names_the_half_year_or_year_to_add(self):
        b2b = self._invoice(self.customer, 1000, d("2026-05-01"), d("2026-05-31"))
        # The shipped B2B table ends with the first half-year 2026.
        with self.assertRaises(UserError) as error:
            self._run(b2b, d("2026-08-31"))
        self.assertEqual(
            str(error.exception),
            f"{b2b.name}: No statutory rate for 2026-07-01 – 2026-08-31: add the "
            "second half-year 2026 rate in Configuration.",
        )
        b2c = self._invoice(self.consumer, 1000, d("2026-11-30"), d("2026-12-15"))
        with self.assertRaisesRegex(UserError, "add the 2027 rate in Configuration"):
            self._run(b2c, d("2027-01-31"))

    def test_no_interest_for_days_to_come(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        with self.assertRaisesRegex(UserError, "up to today, not 03/02/2024"):
            self._run(invoice, d("2024-03-02"))  # today is 2024-03-01

    def test_salesperson_cannot_invoice_interest_dunning_user_can(self):
        invoice = self._invoice(self.customer, 10000, d("2023-04-15"), d("2023-05-15"))
        with self.assertRaises(AccessError):
            self._wizard(invoice, d("2024-02-10"), user=self.salesperson)
        interest_invoice = self._run(invoice, d("2024-02-10"), user=self.dunning_user)
        self.assertEqual(interest_invoice.amount_total, 909.67)  # 877.67 + 32.00


@tagged("post_install", "-at_install")
class TestInterestRateTable(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo data carries the last rate forward to today; these tests
        # work on the official table that ships with the addon only.
        cls.env["dunning.interest.rate"].search(
            [("source", "=like", "DEMO ONLY%")]
        ).unlink()

    def _rate(self, user=None, **vals):
        env = self.env(user=user) if user else self.env
        return env["dunning.interest.rate"].create(
            {
                "kind": "b2b",
                "date_from": d("2026-07-01"),
                "date_to": d("2026-12-31"),
                "rate": 10.15,
                "source": "MEF comunicato GU (test)",
                **vals,
            }
        )

    def test_shipped_rates_match_the_official_figures(self):
        Rate = self.env["dunning.interest.rate"]
        # ECB MRO ("tasso di riferimento") on 1 January / 1 July + 7 points up
        # to 2012, + 8 from 2013 (D.Lgs. 192/2012); from 8 August 2002.
        expected_b2b = {
            "2002-08": 10.35,  # 3.35 + 7
            "2003-01": 9.85,  # 2.85 + 7
            "2003-07": 9.10,  # 2.10 + 7
            "2004-01": 9.02,
            "2004-07": 9.01,
            "2005-01": 9.09,
            "2005-07": 9.05,
            "2006-01": 9.25,
            "2006-07": 9.83,
            "2007-01": 10.58,
            "2007-07": 11.07,
            "2008-01": 11.20,  # 4.20 + 7
            "2008-07": 11.10,
            "2009-01": 9.50,  # 2.50 + 7
            "2009-07": 8.0,  # 1.00 + 7
            "2010-01": 8.0,
            "2010-07": 8.0,
            "2011-01": 8.0,
            "2011-07": 8.25,  # 1.25 + 7
            "2012-01": 8.0,
            "2012-07": 8.0,
            "2013-01": 8.75,  # 0.75 + 8
            "2013-07": 8.50,
            "2014-01": 8.25,
            "2014-07": 8.15,
            "2015-01": 8.05,
            "2015-07": 8.05,
            "2016-01": 8.05,  # 0.05 + 8
            "2016-07": 8.0,  # 0.00 + 8
            **{f"{y}-{m}": 8.0 for y in range(2017, 2023) for m in ("01", "07")},
            "2023-01": 10.50,  # 2.50 + 8
            "2023-07": 12.00,  # 4.00 + 8
            "2024-01": 12.50,  # 4.50 + 8
            "2024-07": 12.25,  # 4.25 + 8
            "2025-01": 11.15,  # 3.15 + 8
            "2025-07": 10.15,  # 2.15 + 8
            "2026-01": 10.15,  # 2.15 + 8
        }
        b2b = Rate.search([("kind", "=", "b2b")])
        self.assertEqual(
            {rate.date_from.strftime("%Y-%m"): rate.rate for rate in b2b}, expected_b2b
        )
        legal = Rate.search([("kind", "=", "legal")])
        self.assertEqual(
            {rate.date_from.year: rate.rate for rate in legal},
            {2002: 3.0, 2003: 3.0, 2004: 2.5, 2005: 2.5, 2006: 2.5, 2007: 2.5,
             2008: 3.0, 2009: 3.0, 2010: 1.0, 2011: 1.5, 2012: 2.5, 2013: 2.5,
             2014: 1.0, 2015: 0.5, 2016: 0.2, 2017: 0.1, 2018: 0.3,
             2019: 0.8, 2020: 0.05, 2021: 0.01, 2022: 1.25, 2023: 5.0, 2024: 2.5,
             2025: 2.0, 2026: 1.6},
        )  # fmt: skip

    def test_overlapping_period_or_negative_rate_is_refused_clearly(self):
        with self.assertRaisesRegex(
            ValidationError, "overlaps 2026-01-01 – 2026-06-30"
        ):
            self._rate(date_from=d("2026-06-01"))
        with self.assertRaisesRegex(ValidationError, "is negative"):
            self._rate(rate=-1.0)
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self._rate(date_to=d("2026-06-30"), date_from=d("2026-07-01"))

    def test_only_credit_managers_edit_rates(self):
        for user in (self.salesperson, self.dunning_user):
            with self.assertRaises(AccessError):
                self._rate(user=user)
        b2b_2026 = self.env["dunning.interest.rate"].search(
            [("kind", "=", "b2b"), ("date_from", "=", d("2026-01-01"))]
        )
        self.assertEqual(b2b_2026.with_user(self.dunning_user).rate, 10.15)
        with self.assertRaises(AccessError):
            b2b_2026.with_user(self.dunning_user).write({"rate": 9.0})
        with self.assertRaises(AccessError):
            b2b_2026.with_user(self.salesperson).read(["rate"])
        rate = self._rate(user=self.credit_manager)
        self.assertEqual(rate.rate, 10.15)
