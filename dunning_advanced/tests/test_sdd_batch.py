from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import DunningTestCommon, d

COMPANY_IBAN = "IT60X0542811101000000123456"
# Deutsche Bundesbank's example creditor identifier
CREDITOR_ID = "DE98ZZZ09999999999"
DEBTOR_A_IBAN = "DE89370400440532013000"
DEBTOR_B_IBAN = "FR1420041010050500013M02606"


class SddCommon(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 1.0)])
        cls.company.name = "Rossi Forniture S.r.l."
        cls.company_bank = cls.env["res.partner.bank"].create(
            {"acc_number": COMPANY_IBAN, "partner_id": cls.company.partner_id.id}
        )
        cls.company.write(
            {
                "dunning_bank_id": cls.company_bank.id,
                "dunning_sdd_creditor_identifier": CREDITOR_ID,
            }
        )
        cls.customer_b = cls._create_customer("Verdi Impianti S.p.A.")
        cls.mandate_a = cls._mandate(cls.customer, DEBTOR_A_IBAN, "MANDATE-A-001")
        cls.mandate_b = cls._mandate(cls.customer_b, DEBTOR_B_IBAN, "MANDATE-B-001")
        cls.mandate_b.sequence_type = "RCUR"  # collected before

    @classmethod
    def _mandate(cls, partner, iban, reference, activate=True):
        bank = cls.env["res.partner.bank"].create(
            {"acc_number": iban, "partner_id": partner.id}
        )
        mandate = cls.env["dunning.sdd.mandate"].create(
            {
                "name": reference,
                "partner_id": partner.id,
                "partner_bank_id": bank.id,
                "signature_date": d("2025-06-01"),
            }
        )
        if activate:
            mandate.action_activate()
        return mandate


@tagged("post_install", "-at_install")
@freeze_time("2026-03-20")
class TestSddMandate(SddCommon):
    def test_new_mandate_starts_first_then_is_active(self):
        self.assertEqual(self.mandate_a.state, "active")
        self.assertEqual(self.mandate_a.sequence_type, "FRST")
        self.assertEqual(self.mandate_a.scheme, "CORE")

    def test_bad_iban_is_refused(self):
        bank = self.env["res.partner.bank"].create(
            # DE89370400440532013000 with its last digit changed
            {"acc_number": "DE89370400440532013001", "partner_id": self.customer.id}
        )
        with self.assertRaisesRegex(
            ValidationError, "Debtor IBAN DE89370400440532013001 is not valid"
        ):
            self.env["dunning.sdd.mandate"].create(
                {
                    "name": "MANDATE-A-002",
                    "partner_id": self.customer.id,
                    "partner_bank_id": bank.id,
                    "signature_date": d("2026-01-10"),
                }
            )

    def test_bad_creditor_identifier_is_refused(self):
        # check digits 98 changed to 99
        with self.assertRaisesRegex(
            ValidationError,
            "SEPA creditor identifier DE99ZZZ09999999999 is not valid: check "
            "digits do not match",
        ):
            self.company.dunning_sdd_creditor_identifier = "DE99ZZZ09999999999"

    def test_mandate_reference_outside_sepa_characters_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Mandate reference M_1 is not"):
            self.mandate_a.name = "M_1"
        with self.assertRaisesRegex(ValidationError, "at most 35 characters"):
            self.mandate_a.name = "M" * 36

    def test_mandate_cannot_be_activated_without_creditor_identifier(self):
        self.company.dunning_sdd_creditor_identifier = False
        mandate = self._mandate(
            self.customer, "DE02120300000000202051", "MANDATE-A-003", activate=False
        )
        with self.assertRaisesRegex(UserError, "has no SEPA creditor identifier"):
            mandate.action_activate()

    def test_mandate_unused_for_36_months_expires(self):
        # signed 2025-06-01: 36 months later is 2028-06-01
        with freeze_time("2028-06-01"):
            self.env["dunning.sdd.mandate"]._cron_expire_mandates()
            self.assertEqual(self.mandate_a.state, "active")
        with freeze_time("2028-06-02"):
            self.env["dunning.sdd.mandate"]._cron_expire_mandates()
            self.assertEqual(self.mandate_a.state, "expired")

    def test_salesperson_cannot_see_mandates(self):
        with self.assertRaises(AccessError):
            self.env["dunning.sdd.mandate"].with_user(self.salesperson).search([])
        mandates = (
            self.env["dunning.sdd.mandate"].with_user(self.dunning_user).search([])
        )
        self.assertEqual(mandates, self.mandate_a | self.mandate_b)
        with self.assertRaises(AccessError):
            self.mandate_a.with_user(self.dunning_user).action_revoke()


@tagged("post_install", "-at_install")
@freeze_time("2026-03-20")
class TestSddBatch(SddCommon):
    NS = {
        "02": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02",
        "08": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
    }

    def setUp(self):
        super().setUp()
        self.inv_a = self._invoice(
            self.customer, 100, d("2026-01-10"), d("2026-02-10"), currency=self.eur
        )
        self.inv_b1 = self._invoice(
            self.customer_b, 250, d("2026-01-15"), d("2026-02-15"), currency=self.eur
        )
        self.inv_b2 = self._invoice(
            self.customer_b, 50.5, d("2026-01-20"), d("2026-02-20"), currency=self.eur
        )
        self.invoices = self.inv_a | self.inv_b1 | self.inv_b2

    def _batch(self, user=None, version="pain.008.001.02"):
        self.company.dunning_sdd_pain_version = version
        env = self.env(user=user) if user else self.env
        action = env["dunning.sdd.batch"].action_create_from_invoices(
            self.invoices.with_env(env)
        )
        batch = env["dunning.sdd.batch"].browse(action["res_id"])
        # B's second invoice a day later than the batch's date (2026-03-22)
        batch.line_ids.filtered(lambda x: x.invoice_id == self.inv_b2).write(
            {"collection_date": d("2026-03-23")}
        )
        return batch

    def _blocks(self, batch, ns):
        root = etree.fromstring(batch.attachment_id.raw)
        return root, [
            (
                block.findtext("p:PmtTpInf/p:SeqTp", namespaces={"p": ns}),
                block.findtext("p:ReqdColltnDt", namespaces={"p": ns}),
                block.findtext("p:NbOfTxs", namespaces={"p": ns}),
                block.findtext("p:CtrlSum", namespaces={"p": ns}),
            )
            for block in root.iterfind(".//p:PmtInf", namespaces={"p": ns})
        ]

    def test_dunning_user_builds_a_valid_pain_008_001_02_grouped_by_date_and_type(
        self,
    ):
        batch = self._batch(user=self.dunning_user)
        self.assertEqual(batch.collection_date, d("2026-03-22"))  # today + 2
        self.assertEqual(batch.amount_total, 400.5)  # 100 + 250 + 50.50
        self.assertEqual(
            batch.line_ids.sorted("invoice_id").mapped("sequence_type"),
            ["FRST", "RCUR", "RCUR"],
        )
        batch.action_generate()
        self.assertEqual(batch.state, "generated")
        root, blocks = self._blocks(batch, self.NS["02"])
        ns = {"p": self.NS["02"]}
        self.assertEqual(root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns), "3")
        self.assertEqual(
            root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns), "400.50"
        )
        # by date, then FRST before RCUR
        self.assertEqual(
            blocks,
            [
                ("FRST", "2026-03-22", "1", "100.00"),
                ("RCUR", "2026-03-22", "1", "250.00"),
                ("RCUR", "2026-03-23", "1", "50.50"),
            ],
        )
        self.assertEqual(
            root.findtext(".//p:CdtrSchmeId//p:Othr/p:Id", namespaces=ns), CREDITOR_ID
        )
        self.assertEqual(
            root.xpath(".//p:MndtId/text()", namespaces=ns),
            ["MANDATE-A-001", "MANDATE-B-001", "MANDATE-B-001"],
        )
        batch.action_check_file()  # validates against the XSD

    def test_pain_008_001_08_is_generated_and_valid(self):
        batch = self._batch(version="pain.008.001.08")
        self.assertEqual(batch.pain_version, "pain.008.001.08")
        batch.action_generate()
        root, blocks = self._blocks(batch, self.NS["08"])
        self.assertEqual(etree.QName(root).namespace, self.NS["08"])
        self.assertEqual(len(blocks), 3)
        batch.action_mark_sent()  # validates again before sending
        self.assertEqual(batch.state, "sent")

    def test_corrupted_file_fails_validation_with_the_validator_message(self):
        batch = self._batch()
        batch.action_generate()
        raw = batch.attachment_id.raw
        batch.attachment_id.raw = raw.replace(
            b"<SeqTp>FRST</SeqTp>", b"<SeqTp>WXYZ</SeqTp>"
        )
        with self.assertRaisesRegex(
            UserError, r"The pain.008.001.02 document is not valid at .*SeqTp"
        ):
            batch.action_mark_sent()
        self.assertEqual(batch.state, "generated")

    def test_invoices_without_mandate_or_in_usd_are_left_out(self):
        other = self._create_customer("Neri S.n.c.")
        no_mandate = self._invoice(
            other, 80, d("2026-01-10"), d("2026-02-10"), currency=self.eur
        )
        in_usd = self._invoice(self.customer, 70, d("2026-01-10"), d("2026-02-10"))
        self.invoices |= no_mandate | in_usd
        batch = self._batch()
        self.assertEqual(
            batch.line_ids.invoice_id, self.inv_a | self.inv_b1 | self.inv_b2
        )
        note = batch.message_ids[:1].body
        self.assertIn(f"{no_mandate.name}: no active mandate", note)
        self.assertIn(f"{in_usd.name}: not in EUR", note)
        with self.assertRaisesRegex(UserError, "no active mandate"):
            self.env["dunning.sdd.batch"].action_create_from_invoices(no_mandate)

    def test_collected_batch_pays_reconciles_and_stops_dunning(self):
        batch = self._batch()
        batch.action_generate()
        batch.action_mark_sent()
        batch.action_confirm_collected()
        self.assertEqual(batch.state, "done")
        for invoice in self.invoices:
            self.assertEqual(invoice.amount_residual, 0.0)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            self.assertTrue(receivable.reconciled)
        self.assertEqual(
            sorted(batch.line_ids.payment_id.mapped("amount")), [50.5, 100.0, 250.0]
        )
        self.assertEqual(self.mandate_a.sequence_type, "RCUR")  # was FRST
        self.assertEqual(self.mandate_a.last_debit_date, d("2026-03-22"))
        self.assertEqual(self.mandate_b.last_debit_date, d("2026-03-23"))
        # The invoices were 28 to 38 days overdue: a run now reminds nothing.
        run = self.env["dunning.run"].sudo().create({"date": d("2026-03-20")})
        run.action_preview()
        self.assertFalse(
            run.communication_ids.line_ids.move_id & self.invoices,
        )

    def test_unpaid_invoices_would_be_reminded_without_the_batch(self):
        # The counterpart of the test above: the same run reminds them.
        run = self.env["dunning.run"].sudo().create({"date": d("2026-03-20")})
        run.action_preview()
        self.assertEqual(
            run.communication_ids.line_ids.move_id & self.invoices, self.invoices
        )

    def test_reminder_server_action_collects_its_invoices(self):
        run = self.env["dunning.run"].sudo().create({"date": d("2026-03-20")})
        run.action_preview()
        reminders = run.communication_ids.filtered(
            lambda c: c.partner_id == self.customer_b
        )
        action = self.env.ref(
            "dunning_advanced.dunning_communication_action_sdd_collect"
        )
        result = action.with_context(
            active_model="dunning.communication",
            active_ids=reminders.ids,
            active_id=reminders[:1].id,
        ).run()
        batch = self.env["dunning.sdd.batch"].browse(result["res_id"])
        self.assertEqual(batch.line_ids.invoice_id, self.inv_b1 | self.inv_b2)
        self.assertEqual(batch.amount_total, 300.5)  # 250 + 50.50
