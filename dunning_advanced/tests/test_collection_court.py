import base64
import io
import json
import zipfile

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import d
from .test_collection_case import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionCourt(CollectionCommon):
    """The case a lawyer can file for a payment order, and its judgement."""

    def _invoice_due(self, amount=1000.0):
        with freeze_time("2026-01-01"):
            return self._invoice(
                self.customer, amount, d("2026-01-01"), d("2026-01-31")
            )

    def _zip_data(self, case):
        case.action_build_case_file()
        archive = zipfile.ZipFile(io.BytesIO(case.case_file_id.raw))
        return archive, json.loads(archive.read("case.json"))

    def test_case_file_has_fiscal_codes_edi_files_evidence_and_disputes(self):
        invoice = self._walk_to_legal()
        case = self.Case.search([("partner_id", "=", self.customer.id)])
        dispute = self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Goods delivered late"}
        )
        dispute.resolution_note = "Delay accepted by the customer"
        dispute.action_resolve()
        has_edi = "l10n_it_edi_attachment_id" in invoice._fields
        if has_edi:
            self.customer.l10n_it_codice_fiscale = "12345670017"
            xml = self.env["ir.attachment"].create(
                {
                    "name": "IT01234560157_00001.xml",
                    "raw": b"<FatturaElettronica/>",
                    "res_model": "account.move",
                    "res_id": invoice.id,
                }
            )
            invoice.l10n_it_edi_attachment_id = xml
            for name in ("IT01234560157_00001_RC_001.xml", "unrelated_note.xml"):
                self.env["ir.attachment"].create(
                    {
                        "name": name,
                        "raw": b"<RicevutaConsegna/>",
                        "res_model": "account.move",
                        "res_id": invoice.id,
                    }
                )
        # The PEC delivery receipt of the formal notice, kept on the reminder.
        formal = case.communication_ids.filtered(lambda c: c.level_rank == 4)
        self.env["ir.attachment"].create(
            {
                "name": "Ricevuta di consegna PEC.eml",
                "raw": b"X-Ricevuta: avvenuta-consegna",
                "res_model": "dunning.communication",
                "res_id": formal.id,
            }
        )
        with freeze_time("2026-04-02"):
            archive, data = self._zip_data(case)
        names = archive.namelist()
        self.assertEqual(data["debtor"]["vat"], "IT12345670017")
        self.assertEqual(
            data["disputes"],
            [
                {
                    "invoice": invoice.name,
                    "opened_on": dispute.create_date.date().isoformat(),
                    "reason": "Goods delivered late",
                    "state": "resolved",
                    "resolved_on": dispute.resolution_date.isoformat(),
                    "resolution": "Delay accepted by the customer",
                }
            ],
        )
        if has_edi:
            self.assertEqual(data["debtor"]["fiscal_code"], "12345670017")
            self.assertIn("documents/IT01234560157_00001.xml", names)
            self.assertIn("documents/IT01234560157_00001_RC_001.xml", names)
            self.assertNotIn("documents/unrelated_note.xml", names)
        self.assertIn("documents/Ricevuta di consegna PEC.eml", names)

    def test_disputed_invoice_is_warned_before_and_after_opening(self):
        invoice = self._invoice_due()
        self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Wrong quantity"}
        )
        with freeze_time("2026-04-01"):
            wizard = (
                self.env["dunning.collection.case.open"]
                .with_company(self.company)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({})
            )
            self.assertEqual(
                wizard.dispute_warning, "%s (Wrong quantity)" % invoice.name
            )
            case = self.Case.browse(wizard.action_confirm()["res_id"])
        self.assertIn(invoice.name, case.dispute_warning)
        self.assertTrue(
            any(
                "Disputed invoices put in the case" in body
                for body in case.message_ids.mapped("body")
            )
        )

    def test_hand_over_asks_for_the_lawyer_before_sending(self):
        invoice = self._invoice_due()
        with freeze_time("2026-04-01"):
            case = self._open_case(invoice)
            self.assertFalse(case.agency_id)
            action = case.action_open_handoff()
            self.assertEqual(
                action["res_model"], "dunning.collection.case.handoff.confirm"
            )
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            # Nothing is sent without a lawyer or agency: it is required here.
            with self.assertRaises(AssertionError):
                form.save()
            self.assertFalse(case.handoff_ids)
            form.agency_id = self.lawyer
            form.save().action_confirm()
        self.assertEqual(case.agency_id, self.lawyer)
        self.assertEqual(case.handoff_ids.agency_id, self.lawyer)
        self.assertEqual(case.stage_id, self.stage_handed)

    def test_final_judgement_makes_a_five_year_credit_prescribe_in_ten(self):
        """A periodic supply (5 years, art. 2948 n. 4) due 2026-01-31 prescribes
        on 2031-01-31. The payment order, served on 2026-05-04, became final on
        2026-07-20: nothing ran meanwhile and 10 years run from that day (art.
        2945 c. 2 and 2953 c.c.): 2036-07-20."""
        self.company_data["default_journal_sale"].prescription_term = "periodic"
        invoice = self._invoice_due()
        self.assertEqual(invoice.prescription_date, d("2031-01-31"))
        with freeze_time("2026-04-01"):
            case = self._open_case(invoice)
        document = base64.b64encode(b"%PDF-1.4 decreto ingiuntivo esecutivo")
        with freeze_time("2026-07-25"):
            with self.assertRaises(AccessError):
                case.with_user(self.dunning_user).action_open_judgement()
            action = case.action_open_judgement()
            wizard = self.env[action["res_model"]].with_context(**action["context"])
            wizard.create(
                {
                    "final_on": d("2026-07-20"),
                    "served_on": d("2026-05-04"),
                    "reference": "Trib. Torino, D.I. n. 1234/2026",
                    "document": document,
                    "document_name": "Decreto ingiuntivo 1234-2026.pdf",
                }
            ).action_confirm()
        self.assertEqual(case.judgement_date, d("2026-07-20"))
        self.assertEqual(invoice.prescription_date, d("2036-07-20"))
        served = invoice.prescription_event_ids
        self.assertEqual((served.kind, served.date), ("legal_act", d("2026-05-04")))
        self.assertEqual(served.proof_attachment_ids, case.judgement_attachment_id)
        with freeze_time("2026-07-25"):
            _archive, data = self._zip_data(case)
        self.assertEqual(
            data["judgement"],
            {"final_on": "2026-07-20", "reference": "Trib. Torino, D.I. n. 1234/2026"},
        )

    def test_judgement_dates_are_checked(self):
        invoice = self._invoice_due()
        with freeze_time("2026-04-01"):
            case = self._open_case(invoice)
            with self.assertRaisesRegex(UserError, "after the judgement became final"):
                case._record_judgement(
                    d("2026-03-01"), d("2026-03-10"), "", "j.pdf", b"%PDF"
                )
            with self.assertRaisesRegex(UserError, "in the future"):
                case._record_judgement(
                    d("2026-05-01"), d("2026-03-10"), "", "j.pdf", b"%PDF"
                )
        self.assertFalse(case.judgement_date)
