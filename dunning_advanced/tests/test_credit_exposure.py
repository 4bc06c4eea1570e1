from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestCreditExposure(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 company currency = 2 foreign until March, then 4: the exposure of a
        # foreign invoice follows today's rate, not the invoice's.
        cls.foreign = cls.setup_other_currency(
            "EUR", rates=[("2026-01-01", 2.0), ("2026-03-01", 4.0)]
        )

    def assertExposure(self, partner, **expected):
        partner = partner.with_company(self.company)
        partner.invalidate_recordset()
        for name, value in expected.items():
            self.assertAlmostEqual(partner[f"credit_{name}"], value, places=2, msg=name)

    def test_partial_payment_and_credit_note_lower_the_exposure(self):
        invoice = self._invoice(self.customer, 1000, d("2026-02-01"), d("2026-03-03"))
        self._pay(invoice, 400, d("2026-03-05"))
        self.assertExposure(self.customer, receivable=600, overdue=600, exposure=600)
        self._invoice(
            self.customer, 200, d("2026-03-06"), d("2026-03-06"), move_type="out_refund"
        )
        # The unreconciled credit note is owed back: it nets the receivable.
        self.assertExposure(self.customer, receivable=400, exposure=400)
        self.assertEqual(
            self.customer.with_company(self.company).credit_max_days_overdue, 7
        )

    def test_unapplied_payment_lowers_the_exposure(self):
        self._invoice(self.customer, 1000, d("2026-03-01"), d("2026-03-31"))
        self.init_payment(300, post=True, date=d("2026-03-02"), partner=self.customer)
        self.assertExposure(self.customer, receivable=700, overdue=0, exposure=700)

    def test_foreign_currency_invoice_at_todays_rate(self):
        # 100 EUR booked at 2.0 (50.00 in company currency) is worth 25.00 today.
        self._invoice(
            self.customer, 100, d("2026-02-01"), d("2026-02-15"), currency=self.foreign
        )
        self.assertExposure(self.customer, receivable=25, overdue=25, exposure=25)

    def test_limit_in_a_foreign_currency(self):
        self._set_limit(self.customer, 1000, currency=self.foreign)
        self._invoice(self.customer, 100, d("2026-03-01"), d("2026-03-31"))
        self._invoice(
            self.customer, 120, d("2026-03-01"), d("2026-03-31"), currency=self.foreign
        )
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.credit_currency_id, self.foreign)
        # 100 in company currency is 400 EUR; the EUR invoice counts as it is.
        self.assertExposure(self.customer, receivable=520, exposure=520, available=480)

    def test_draft_invoices_and_unbilled_orders_without_double_count(self):
        order = self._sale_order(self.customer, 100)
        order.order_line.product_uom_qty = 3
        order.action_confirm()
        self.assertExposure(self.customer, sale_unbilled=300, exposure=300)
        self.product.invoice_policy = "order"
        invoice = order._create_invoices()
        invoice.invoice_line_ids.quantity = 1
        # One unit moved from the order to a draft invoice: still 300 in all.
        self.assertExposure(
            self.customer, sale_unbilled=200, draft_invoiced=100, exposure=300
        )
        invoice.action_post()
        self.assertExposure(
            self.customer,
            sale_unbilled=200,
            draft_invoiced=0,
            receivable=100,
            exposure=300,
        )

    def test_contacts_roll_up_to_the_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Ufficio acquisti", "parent_id": self.customer.id}
        )
        self._invoice(contact, 250, d("2026-03-01"), d("2026-03-31"))
        self.assertExposure(self.customer, exposure=250)
        self.assertExposure(contact, exposure=250)

    def test_other_company_invoices_do_not_count(self):
        other = self.setup_other_company(name="Filiale Nord")["company"]
        self._invoice(
            self.customer, 250, d("2026-03-01"), d("2026-03-31"), company=other
        )
        self.assertExposure(self.customer, exposure=0)
        exposure = self.customer.with_company(other)
        self.assertEqual(exposure.credit_exposure, 250)

    def test_exposure_is_searchable(self):
        small = self._create_customer("Piccolo S.n.c.")
        self._invoice(self.customer, 900, d("2026-03-01"), d("2026-03-31"))
        self._invoice(small, 90, d("2026-01-01"), d("2026-01-31"))
        Partner = self.env["res.partner"].with_company(self.company)
        scope = [("id", "in", (self.customer | small).ids)]
        self.assertEqual(
            Partner.search([*scope, ("credit_exposure", ">", 100)]), self.customer
        )
        self.assertEqual(Partner.search([*scope, ("credit_exposure", "<", 100)]), small)
        self.assertEqual(Partner.search([*scope, ("credit_overdue", ">", 0)]), small)
        idle = self._create_customer("Nessun Ordine S.r.l.")
        self.assertIn(idle, Partner.search([("credit_exposure", "=", 0)]))

    def test_available_credit(self):
        self._set_limit(self.customer, 5000)
        self._invoice(self.customer, 1200, d("2026-03-01"), d("2026-03-31"))
        self.assertExposure(self.customer, available=3800)

    def test_negative_credit_limit_is_refused_with_what_to_fix(self):
        with self.assertRaisesRegex(
            ValidationError, "cannot be negative. Enter 0 for no limit"
        ):
            self._set_limit(self.customer, -10)

    def test_partner_form_shows_the_exposure(self):
        self._set_limit(self.customer, 1000)
        self._invoice(self.customer, 300, d("2026-03-01"), d("2026-03-31"))
        with Form(self.customer.with_company(self.company)) as form:
            self.assertEqual(form.credit_exposure, 300)
            self.assertEqual(form.credit_available, 700)
            self.assertEqual(form.credit_hold_state, "none")

    def test_open_items_action_lists_the_receivables(self):
        invoice = self._invoice(self.customer, 300, d("2026-03-01"), d("2026-03-31"))
        action = self.customer.with_company(self.company).action_view_credit_items()
        lines = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(lines.move_id, invoice)

    def test_section_lines_of_an_order_do_not_count(self):
        order = self._sale_order(self.customer, 100)
        order.order_line = [
            Command.create(
                {
                    "display_type": "line_section",
                    "name": "Section",
                    "product_uom_qty": 0,
                }
            )
        ]
        order.action_confirm()
        self.assertExposure(self.customer, sale_unbilled=100)
