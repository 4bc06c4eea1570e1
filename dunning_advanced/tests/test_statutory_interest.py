from decimal import Decimal as D
from unittest import SkipTest

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tests import Form, get_db_name, tagged

from ..lib.late_interest import KIND_B2B, KIND_LEGAL
from . import test_collection_case
from .common import DunningTestCommon, d


class StatutoryInterestCommon(DunningTestCommon):
    """The official rates only (no demo rate), 1 EUR = 1 unit of the company
    currency so that the 40 EUR compensation reads 40.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["dunning.interest.rate"].search(
            [("source", "=like", "DEMO ONLY%")]
        ).unlink()
        cls.env["res.currency.rate"].create(
            {
                "name": "2002-01-01",
                "currency_id": cls.env.ref("base.EUR").id,
                "company_id": cls.company.id,
                "rate": 1.0,
            }
        )

    def _interest_invoice(self, invoices, date_to, **vals):
        wizard = Form(
            self.env["account.move.interest.invoice"].with_context(
                active_model="account.move", active_ids=invoices.ids
            )
        )
        wizard.date_to = date_to
        wizard.invoice_date = date_to
        for name, value in vals.items():
            setattr(wizard, name, value)
        action = wizard.save().action_create_invoices()
        return self.env["account.move"].search(action["domain"])

    def _charges(self, interest_invoice):
        return [
            (line.dunning_interest_type, line.price_subtotal)
            for line in interest_invoice.invoice_line_ids
        ]


@tagged("post_install", "-at_install")
class TestDebtorType(StatutoryInterestCommon):
    def test_sole_trader_with_vat_gets_ecb_plus_8_and_40_eur(self):
        """A person with a VAT number is a business (D.Lgs. 231/2002 art. 2):
        2,000.00 due 2025-03-31, interest to 2025-06-30: 91 days at 11.15 %
        (ECB 3.15 + 8, first half of 2025) = 2,000 * 11.15 * 91 / 36,500 =
        55.5972... -> 55.60, and 40.00 of compensation."""
        trader = self._create_customer(
            "Luca Neri", is_company=False, vat="IT12345670017"
        )
        self.assertEqual(trader.dunning_debtor_type, "business")
        self.assertEqual(trader._dunning_interest_kind(), KIND_B2B)
        invoice = self._invoice(trader, 2000, d("2025-03-01"), d("2025-03-31"))
        with freeze_time("2025-07-01"):
            interest_invoice = self._interest_invoice(invoice, d("2025-06-30"))
        self.assertEqual(
            self._charges(interest_invoice),
            [("interest", 55.60), ("compensation", 40.00)],
        )
        self.assertIn("D.Lgs. 231/2002", interest_invoice.invoice_line_ids[0].name)

    def test_consumer_gets_the_legal_rate_and_no_compensation(self):
        """Same invoice to a private person: 91 days at the 2025 legal rate of
        2.00 % = 2,000 * 2 * 91 / 36,500 = 9.9726... -> 9.97, no 40 EUR."""
        consumer = self._create_customer("Anna Russo", is_company=False)
        self.assertEqual(consumer.dunning_debtor_type, "consumer")
        self.assertEqual(consumer._dunning_interest_kind(), KIND_LEGAL)
        invoice = self._invoice(consumer, 2000, d("2025-03-01"), d("2025-03-31"))
        with freeze_time("2025-07-01"):
            interest_invoice = self._interest_invoice(invoice, d("2025-06-30"))
        self.assertEqual(self._charges(interest_invoice), [("interest", 9.97)])
        self.assertIn("art. 1284 c.c.", interest_invoice.invoice_line_ids.name)

    def test_debtor_type_is_proposed_shown_and_editable(self):
        company = self._create_customer("Verdi S.p.A.")
        contact = self.env["res.partner"].create(
            {"name": "Paolo Verdi", "parent_id": company.id, "type": "contact"}
        )
        self.assertEqual(company.dunning_debtor_type, "business")
        self.assertEqual(contact.dunning_debtor_type, "business")
        self.assertEqual(contact._dunning_interest_kind(), KIND_B2B)
        person = self._create_customer("Giulia Bruno", is_company=False)
        self.assertEqual(person.dunning_debtor_type, "consumer")
        # A professional entered as a person: the credit manager corrects it
        # on the customer form, and the interest follows.
        with Form(person) as form:
            form.dunning_debtor_type = "business"
        self.assertEqual(person.dunning_debtor_type, "business")
        self.assertEqual(person._dunning_interest_kind(), KIND_B2B)
        # The company's type reaches its contacts.
        with Form(company) as form:
            form.dunning_debtor_type = "public_admin"
        self.assertEqual(contact.dunning_debtor_type, "public_admin")
        self.assertEqual(contact._dunning_interest_kind(), KIND_B2B)

    def test_italian_fiscal_codes_propose_the_type(self):
        Partner = self.env["res.partner"]
        if "l10n_it_codice_fiscale" not in Partner._fields:
            self.skipTest("l10n_it_edi is not installed")
        consumer = self._create_customer(
            "Mario Rossi", is_company=False, l10n_it_codice_fiscale="RSSMRA80A01H501U"
        )
        self.assertEqual(consumer.dunning_debtor_type, "consumer")
        # A numeric fiscal code of 11 digits belongs to an entity.
        entity = self._create_customer(
            "Associazione Sportiva",
            is_company=False,
            l10n_it_codice_fiscale="93026890017",
        )
        self.assertEqual(entity.dunning_debtor_type, "business")
        town = self._create_customer(
            "Comune di Prova", l10n_it_codice_fiscale="00514490010"
        )
        town.l10n_it_pa_index = "UFABCD"
        self.assertEqual(town.dunning_debtor_type, "public_admin")
        # A 7-character code is a private recipient code of the SdI, not a PA.
        town.l10n_it_pa_index = "0803HR0"
        self.assertEqual(town.dunning_debtor_type, "business")


@tagged("post_install", "-at_install")
class TestStatutoryInterestEverywhere(
    StatutoryInterestCommon, test_collection_case.CollectionCommon
):
    def test_case_and_interest_invoice_agree_to_the_cent_with_two_partial_payments(
        self,
    ):
        """10,000.00 due 2024-01-31; 3,000.00 paid on 2024-03-10 and 2,000.00
        on 2024-05-20; interest to 2024-06-30 at 12.50 % (ECB 4.50 + 8):
          2024-02-01..03-10  39 days on 10,000: 133.5616...
          2024-03-11..05-20  71 days on  7,000: 170.2054...
          2024-05-21..06-30  41 days on  5,000:  70.2054...
        total 373.9726... -> 373.97, and 40.00 of compensation.
        Today's residual (5,000) from the due date would give 259.59: the
        payments count at their dates everywhere."""
        invoice = self._invoice(self.customer, 10000, d("2024-01-01"), d("2024-01-31"))
        self._pay(invoice, 3000, d("2024-03-10"))
        self._pay(invoice, 2000, d("2024-05-20"))
        result = invoice._dunning_statutory_interest(d("2024-06-30"))[invoice.id]
        self.assertEqual(
            [(line.days, line.principal) for _due, line in result.lines],
            [(39, D("10000.00")), (71, D("7000.00")), (41, D("5000.00"))],
        )
        self.assertEqual((result.interest, result.compensation), (D("373.97"), 40))
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(result.by_line, {receivable.id: D("373.97")})

        # A formal notice of that day claims the same (the level raised by hand
        # in the preview: the customer-level engine would start lower).
        with freeze_time("2024-06-30"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2024-06-30"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            draft = run.communication_ids.filtered(
                lambda c: c.partner_id == self.customer
            )
            draft.level_id = draft.policy_id.level_ids.filtered("is_formal_notice")
            line = draft.line_ids.filtered(lambda li: li.move_id == invoice)
            self.assertEqual(
                (line.interest_amount, line.compensation_amount), (373.97, 40.0)
            )
            run.action_cancel()

        with freeze_time("2024-06-30"):
            case = self._open_case(invoice)
            case.invalidate_recordset()
            self.assertEqual(case.line_ids.interest_amount, 373.97)
            self.assertEqual(case.line_ids.compensation_amount, 40.00)
        with freeze_time("2024-07-01"):
            interest_invoice = self._interest_invoice(invoice, d("2024-06-30"))
        self.assertEqual(
            self._charges(interest_invoice),
            [("interest", 373.97), ("compensation", 40.00)],
        )
        # Once invoiced, the case claims only the days after: none up to 06-30.
        with freeze_time("2024-06-30"):
            case.invalidate_recordset()
            self.assertEqual(case.line_ids.interest_amount, 0.0)
            self.assertEqual(case.line_ids.compensation_amount, 0.0)

    def test_a_2016_invoice_gets_interest_from_the_2016_rates(self):
        """1,000.00 due 2016-05-31, paid 2017-01-31: 30 days at 8.05 % (ECB
        0.05 + 8, 2016-H1) = 6.6164..., 184 days at 8.00 % (2016-H2) = 40.3287...,
        31 days at 8.00 % (2017-H1) = 6.7945...: 53.7397... -> 53.74."""
        invoice = self._invoice(self.customer, 1000, d("2016-05-01"), d("2016-05-31"))
        self._pay(invoice, 1000, d("2017-01-31"))
        with freeze_time("2017-02-01"):
            interest_invoice = self._interest_invoice(invoice, d("2017-01-31"))
        self.assertEqual(
            self._charges(interest_invoice),
            [("interest", 53.74), ("compensation", 40.00)],
        )

    def test_missing_rate_stops_the_interest_invoice_but_not_the_case(self):
        """Before 8 August 2002 there is no D.Lgs. 231/2002 rate."""
        invoice = self._invoice(self.customer, 1000, d("2002-06-01"), d("2002-06-30"))
        with self.assertRaisesRegex(UserError, "No statutory rate for 2002-07-01"):
            invoice._dunning_statutory_interest(d("2002-12-31"))
        result = invoice._dunning_statutory_interest(d("2002-12-31"), strict=False)[
            invoice.id
        ]
        self.assertEqual(result.interest, 0)
        self.assertIn("No statutory rate", result.error)

    def test_credit_hold_does_not_block_an_interest_invoice(self):
        invoice = self._invoice(self.customer, 1000, d("2025-01-01"), d("2025-01-31"))
        with freeze_time("2025-03-01"):
            self.env["res.partner.credit.hold"].with_company(self.company).create(
                {
                    "partner_id": self.customer.id,
                    "action": "hold",
                    "reason": "Unpaid for months",
                }
            ).action_confirm()
            # A new sale stays blocked...
            sale = self._invoice(self.customer, 500, d("2025-03-01"), post=False)
            with self.assertRaisesRegex(UserError, "on credit hold"):
                sale.action_post()
            # ...the interest invoice goes through, also posted later by hand.
            interest_invoice = self._interest_invoice(invoice, d("2025-02-28"))
            self.assertTrue(interest_invoice.dunning_late_charge_invoice)
            interest_invoice.action_post()
            self.assertEqual(interest_invoice.state, "posted")
            # Nobody marks an ordinary invoice as one to get past the hold.
            with self.assertRaisesRegex(AccessError, "Invoice Late Interest wizard"):
                sale.with_user(self.invoicing_user).dunning_late_charge_invoice = True


@tagged("post_install", "-at_install")
class TestInterestInvoiceItalianEInvoicing(StatutoryInterestCommon):
    """An Italian company (l10n_it chart, EUR) sending FatturaPA: the interest
    invoice's lines carry the out-of-scope tax, nature N1 (art. 15 DPR 633/72),
    and pass l10n_it_edi's export checks. Needs l10n_it_edi installed."""

    @classmethod
    @StatutoryInterestCommon.setup_country("it")
    def setUpClass(cls):
        registry = Registry(get_db_name())
        if "l10n_it_edi" not in registry._init_modules:
            raise SkipTest("l10n_it_edi is not installed")
        super().setUpClass()
        cls.company.write(
            {
                "vat": "IT01234560157",
                "l10n_it_codice_fiscale": "01234560157",
                "street": "Via Roma 1",
                "zip": "20121",
                "city": "Milano",
                "l10n_it_tax_system": "RF01",
            }
        )
        cls.customer.write(
            {
                "vat": "IT12345670017",
                "street": "Via Garibaldi 7",
                "zip": "10121",
                "city": "Torino",
                "country_id": cls.env.ref("base.it").id,
                "invoice_edi_format": "it_edi_xml",
            }
        )

    def test_interest_invoice_passes_the_export_checks_with_nature_n1(self):
        invoice = self._invoice(self.customer, 10000, d("2025-01-01"), d("2025-01-31"))
        with freeze_time("2025-03-01"):
            interest_invoice = self._interest_invoice(invoice, d("2025-02-28"))
            interest_invoice.action_post()
        n1 = self.env["account.chart.template"].ref("00art15v")
        self.assertEqual(interest_invoice.invoice_line_ids.tax_ids, n1)
        self.assertEqual(n1.l10n_it_exempt_reason, "N1")
        # 28 days at 11.15 %: 10,000 * 11.15 * 28 / 36,500 = 85.5342... + 40.
        self.assertEqual(interest_invoice.amount_total, 125.53)
        self.assertEqual(interest_invoice.amount_tax, 0.0)
        # Every check on the company, customer, invoice and taxes passes; the
        # one left is the registration with Odoo's SdI proxy (a network
        # service, accepted in Settings), not about this invoice.
        errors = interest_invoice._l10n_it_edi_export_data_check()
        self.assertEqual(
            set(errors) - {"l10n_it_edi_settings_l10n_it_edi_proxy_user_id"}, set()
        )
        xml = interest_invoice._l10n_it_edi_render_xml().decode()
        self.assertIn("<Natura>N1</Natura>", xml)
        self.assertIn("<ImportoTotaleDocumento>125.53</ImportoTotaleDocumento>", xml)
