import hashlib
import io
import json
import re
import zipfile

import jsonschema
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..lib import case_file as cf
from .common import DunningTestCommon, d
from .http_server import serve
from .test_lib_agency_client import TOKEN, FakeAgency


class CollectionCommon(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        italy = cls.env.ref("base.it")
        cls.company.partner_id.write(
            {
                "street": "Via Roma 1",
                "zip": "20121",
                "city": "Milano",
                "country_id": italy.id,
                "email": "crediti@example.com",
            }
        )
        cls.customer.write(
            {
                "street": "Via Garibaldi 7",
                "zip": "10121",
                "city": "Torino",
                "country_id": italy.id,
                "vat": "IT12345670017",
                "email": "amministrazione@bianchi.example.com",
                "phone": "+39 011 555 0101",
                "comment": "Owner is a friend of our CEO",
            }
        )
        cls.company.dunning_collection_writeoff_account_id = cls.company_data[
            "default_account_expense"
        ]
        # 1 EUR = 1 unit of the company currency: the 40 EUR compensation of
        # art. 6 D.Lgs. 231/2002 is 40.00 in the books.
        cls.env["res.currency.rate"].create(
            {
                "name": "2025-01-01",
                "currency_id": cls.env.ref("base.EUR").id,
                "company_id": cls.company.id,
                "rate": 1.0,
            }
        )
        cls.lawyer = cls.env["res.partner"].create(
            {
                "name": "Avv. Maria Verdi",
                "email": "verdi@studiolegale.example.com",
                "collection_agency_kind": "lawyer",
                "collection_handoff_channel": "email",
                "collection_fee_percent": 10.0,
            }
        )
        cls.Case = cls.env["dunning.collection.case"].with_company(cls.company)
        cls.stage_notice = cls.env.ref(
            "dunning_advanced.dunning_collection_stage_formal_notice"
        )
        cls.stage_handed = cls.env.ref(
            "dunning_advanced.dunning_collection_stage_handed_over"
        )
        cls.stage_order = cls.env.ref(
            "dunning_advanced.dunning_collection_stage_payment_order"
        )
        cls.stage_paid = cls.env.ref("dunning_advanced.dunning_collection_stage_paid")
        cls.stage_settled = cls.env.ref(
            "dunning_advanced.dunning_collection_stage_settled"
        )
        cls.stage_written_off = cls.env.ref(
            "dunning_advanced.dunning_collection_stage_written_off"
        )

    def _run(self, day):
        with freeze_time(day):
            self.env["dunning.run"]._cron_run_dunning()

    def _walk_to_legal(self):
        """1,000.00 invoiced on 1 January 2026, due 31 January, walked through
        the standard policy: -5 courtesy, +7, +20, +35 formal notice, +60 legal."""
        with freeze_time("2026-01-01"):
            invoice = self._invoice(
                self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
            )
        for day in ("2026-01-26", "2026-02-07", "2026-02-20", "2026-03-07"):
            self._run(day)
        self._run("2026-04-01")
        return invoice

    def _open_case(self, invoices, user=None):
        env = self.env(user=user) if user else self.env
        wizard = (
            env["dunning.collection.case.open"]
            .with_company(self.company)
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({})
        )
        action = wizard.action_confirm()
        return self.Case.browse(action["res_id"])

    def _zip(self, case):
        return zipfile.ZipFile(io.BytesIO(case.case_file_id.raw))


@tagged("post_install", "-at_install")
class TestCollectionCase(CollectionCommon):
    # ------------------------------------------------------------------
    # Opening
    # ------------------------------------------------------------------

    def test_legal_level_opens_case_with_interest_and_compensation(self):
        invoice = self._walk_to_legal()
        case = self.Case.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(case), 1)
        self.assertEqual(case.origin, "auto")
        self.assertEqual(case.stage_id, self.stage_notice)
        self.assertEqual(case.date_opened, d("2026-04-01"))
        self.assertEqual(case.communication_id.level_id.name, "Legal stage")
        self.assertEqual(case.line_ids.move_id, invoice)
        self.assertEqual(case.line_ids.amount_opening, 1000.0)
        # The five levels each sent one reminder for this invoice.
        self.assertEqual(case.communication_ids.mapped("level_rank"), [5, 4, 3, 2, 1])
        self.assertEqual(
            case.activity_ids.summary,
            "Legal stage: hand %s over" % (self.customer.name),
        )
        with freeze_time("2026-04-01"):
            case.invalidate_recordset()
            # Interest from 1 February to 1 April 2026 included: 28 + 31 + 1 =
            # 60 days at 10.15 % (B2B rate of the first half of 2026):
            # 1000 x 10.15 % x 60 / 365 = 16.6849... -> 16.68.
            self.assertEqual(case.amount_interest, 16.68)
            self.assertEqual(case.amount_compensation, 40.0)  # 40 EUR, art. 6
            self.assertEqual(case.amount_fees, 0.0)  # no fee in the standard policy
            # 1000.00 + 16.68 + 40.00 = 1056.68
            self.assertEqual(case.amount_total, 1056.68)

    def test_second_legal_reminder_adds_invoices_to_the_open_case(self):
        # Due on 15 April: not overdue when the legal level is reached.
        with freeze_time("2026-01-01"):
            other = self._invoice(
                self.customer, 300.0, d("2026-03-01"), d("2026-04-15")
            )
        self._walk_to_legal()
        case = self.Case.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(case.line_ids), 1)
        self.Case._open_or_update(
            self.customer, self.company, other.line_ids, origin="manual"
        )
        self.assertEqual(
            self.Case.search_count([("partner_id", "=", self.customer.id)]), 1
        )
        self.assertEqual(len(case.line_ids), 2)
        self.assertEqual(case.amount_opening, 1300.0)  # 1000 + 300

    @freeze_time("2026-03-10")
    def test_credit_manager_opens_a_case_from_the_customer(self):
        overdue = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        self._invoice(self.customer, 250.0, d("2026-03-01"), d("2026-03-31"))
        action = self.customer.with_user(
            self.credit_manager
        ).action_open_collection_case()
        wizard = Form(
            self.env(user=self.credit_manager)[action["res_model"]].with_context(
                **action["context"]
            )
        )
        # Only the invoice already past its due date is proposed.
        self.assertEqual(wizard.move_ids[:], overdue)
        wizard.note = "Debtor stopped answering the phone"
        result = wizard.save().action_confirm()
        case = self.Case.browse(result["res_id"])
        self.assertEqual(case.partner_id, self.customer)
        self.assertEqual(case.origin, "manual")
        self.assertEqual(case.line_ids.move_id, overdue)
        self.assertEqual(case.amount_opening, 1000.0)
        self.assertEqual(self.customer.collection_case_count, 1)

    @freeze_time("2026-02-07")
    def test_open_case_stops_dunning_for_the_customer(self):
        """A customer whose credit is in a case gets no automated reminder at
        all; an invoice fallen overdue outside the case is offered to it."""
        in_case = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        outside = self._invoice(self.customer, 500.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(in_case, user=self.credit_manager)
        self.assertEqual(case.origin, "manual")
        self.assertEqual(case.line_ids.move_id, in_case)
        self._run("2026-03-01")
        self.assertFalse(
            self.env["dunning.communication"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertEqual(case.new_overdue_line_ids.move_id, outside)
        offer = case.activity_ids.filtered(lambda a: "new overdue" in a.summary)
        self.assertEqual(len(offer), 1)
        self.assertIn(outside.name, offer.note)
        # Offered once, not every day.
        self._run("2026-03-02")
        self.assertEqual(
            len(case.activity_ids.filtered(lambda a: "new overdue" in a.summary)), 1
        )
        case.with_user(self.credit_manager).action_add_new_overdue()
        self.assertEqual(case.line_ids.move_id, in_case | outside)
        self.assertFalse(case.new_overdue_line_ids)

    def test_payment_closes_the_case_as_paid_on_the_next_run(self):
        with freeze_time("2026-02-07"):
            invoice = self._invoice(
                self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
            )
            case = self._open_case(invoice)
        self._pay(invoice, 400.0, d("2026-02-09"))
        self.assertEqual(case.amount_residual, 600.0)  # 1000 - 400
        self.assertEqual(case.amount_received, 400.0)
        self.assertFalse(case.is_closed)
        self._pay(invoice, 600.0, d("2026-02-10"))
        self.assertFalse(case.is_closed)  # closed by the next run
        self._run("2026-02-11")
        self.assertEqual(case.stage_id, self.stage_paid)
        self.assertEqual(case.date_closed, d("2026-02-11"))
        log = case.stage_log_ids.sorted("id")[-1]
        self.assertEqual(
            (log.stage_from_id, log.stage_to_id, log.source, log.note),
            (self.stage_notice, self.stage_paid, "system", "All invoices are paid."),
        )

    # ------------------------------------------------------------------
    # Stages
    # ------------------------------------------------------------------

    @freeze_time("2026-03-10 09:30:00")
    def test_stage_change_is_logged_with_date_user_and_note(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(invoice)
        # As after a commit: Odoo tracks no change of a record created in the
        # same transaction.
        self.env.flush_all()
        self.env.cr.precommit.run()
        env = self.env(
            user=self.dunning_user,
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False),
        )
        wizard = Form(
            env["dunning.collection.case.stage"].with_context(default_case_id=case.id)
        )
        wizard.stage_id = self.stage_order
        wizard.note = "Ricorso per decreto ingiuntivo filed at Tribunale di Torino"
        wizard.save().action_confirm()
        self.assertEqual(case.stage_id, self.stage_order)
        log = case.stage_log_ids.sorted("id")[-1]
        self.assertEqual(log.user_id, self.dunning_user)
        self.assertEqual(log.stage_from_id, self.stage_notice)
        self.assertEqual(log.stage_to_id, self.stage_order)
        self.assertEqual(str(log.date), "2026-03-10 09:30:00")
        self.assertEqual(
            log.note, "Ricorso per decreto ingiuntivo filed at Tribunale di Torino"
        )
        # The chatter tracks the change too.
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", case._name),
                ("mail_message_id.res_id", "=", case.id),
                ("field_id.name", "=", "stage_id"),
            ]
        )
        self.assertEqual(tracked.mapped("new_value_char"), ["Payment order requested"])
        self.assertEqual(tracked.old_value_char, "Formal notice sent")
        # A loss is never booked by moving a card: it needs the write-off.
        with self.assertRaisesRegex(UserError, "use Settle or Write Off"):
            case.with_user(self.dunning_user).stage_id = self.stage_written_off

    # ------------------------------------------------------------------
    # Case file
    # ------------------------------------------------------------------

    def test_case_file_zip_is_valid_and_holds_only_what_the_case_needs(self):
        self._walk_to_legal()
        stranger = self._create_customer("Rossi Alimentari S.p.A.")
        self._invoice(stranger, 777.0, d("2026-01-01"), d("2026-01-31"))
        case = self.Case.search([("partner_id", "=", self.customer.id)])
        case.message_post(
            body="Internal: the CEO knows the owner", message_type="comment"
        )
        formal = case.communication_ids.filtered(lambda c: c.level_rank == 4)
        formal.mail_id.write({"state": "sent"})  # the mail queue sent it
        with freeze_time("2026-04-02"):
            case.action_build_case_file()
        archive = self._zip(case)
        names = archive.namelist()
        self.assertEqual(names[:2], ["case.json", "summary.pdf"])
        # Letters of the firm reminder, the formal notice and the legal level,
        # and the receipt of the formal notice's email (the only one sent).
        documents = [n for n in names if n.startswith("documents/")]
        self.assertEqual(len(documents), 4)
        receipt_name = "documents/Email receipt %s.txt" % formal.name.replace("/", "-")
        self.assertIn(receipt_name, documents)
        receipt = archive.read(receipt_name).decode()
        self.assertIn("To: amministrazione@bianchi.example.com", receipt)
        data = json.loads(archive.read("case.json"))
        jsonschema.Draft202012Validator(
            cf.SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(data)
        self.assertEqual(data["reference"], case.name)
        self.assertEqual(data["amounts_as_of"], "2026-04-02")
        invoice = data["invoices"][0]
        # 61 days (1 Feb - 2 Apr) at 10.15 %: 1000 x 0.1015 x 61 / 365 = 16.963 -> 16.96
        self.assertEqual(
            (invoice["residual"], invoice["interest"], invoice["compensation"]),
            ("1000.00", "16.96", "40.00"),
        )
        self.assertEqual(invoice["total_due"], "1056.96")  # 1000 + 16.96 + 40
        self.assertEqual(data["totals"][0]["total"], "1056.96")
        # 8 contacts: courtesy and friendly by email, then email + letter for
        # the firm reminder, the formal notice and the legal level.
        self.assertEqual(len(data["contacts"]), 8)
        self.assertEqual(data["contacts"][0]["date"], "2026-01-26")
        self.assertEqual(
            sorted({c["channel"] for c in data["contacts"]}), ["email", "letter"]
        )
        for document in data["documents"]:
            content = archive.read("documents/" + document["name"])
            self.assertEqual(document["sha256"], hashlib.sha256(content).hexdigest())
            self.assertEqual(document["size"], len(content))
        self.assertEqual(
            data["debtor"],
            {
                "name": "Bianchi Costruzioni S.r.l.",
                "address": {
                    "street": "Via Garibaldi 7",
                    "zip": "10121",
                    "city": "Torino",
                    "country_code": "IT",
                },
                "vat": "IT12345670017",
                "email": "amministrazione@bianchi.example.com",
            },
        )
        # The documents' SHA-256 (checked above) are hex digits that may spell
        # "777" by chance: the letters carry the customer's personal link,
        # signed with the database's own secret. Only the data is searched.
        text = re.sub(
            r'"sha256": "[0-9a-f]{64}"',
            '"sha256": ""',
            archive.read("case.json").decode(),
        )
        for private in ("Rossi", "777", "CEO", "+39 011", "friend"):
            self.assertNotIn(private, text)
        self.assertEqual(
            case.case_file_checksum, cf.case_file_checksum(case.case_file_id.raw)
        )

    # ------------------------------------------------------------------
    # Handoff
    # ------------------------------------------------------------------

    def _serve(self, script=()):
        agency = FakeAgency(script)
        return agency, serve(self, agency) + "/api/v1"

    def _rest_case(self, url):
        agency = self.env["res.partner"].create(
            {
                "name": "Recupero Crediti Nord S.r.l.",
                "is_company": True,
                "collection_agency_kind": "agency",
                "collection_handoff_channel": "rest",
                "collection_endpoint_url": url,
                "collection_api_token": TOKEN,
            }
        )
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(invoice).with_context(
            dunning_collection_date=d("2026-04-01")
        )
        case.agency_id = agency
        return case

    def test_rest_handoff_stores_the_agency_case_id_and_logs_it(self):
        server, url = self._serve()
        case = self._rest_case(url)
        case.with_user(self.dunning_user).action_handoff()
        self.assertEqual(case.agency_case_id, "AG-1")
        self.assertEqual(case.stage_id, self.stage_handed)
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(server.requests[0]["path"], "/api/v1/cases")
        self.assertEqual(server.requests[0]["body"], case.case_file_id.raw)
        handoff = case.handoff_ids
        self.assertEqual(
            (handoff.user_id, handoff.channel, handoff.agency_case_id),
            (self.dunning_user, "rest", "AG-1"),
        )
        self.assertEqual(handoff.checksum, cf.case_file_checksum(case.case_file_id.raw))
        with self.assertRaisesRegex(UserError, "under their case AG-1"):
            case.action_handoff()
        self.assertEqual(len(server.requests), 1)

    def test_rest_handoff_after_a_500_opens_one_case_at_the_agency(self):
        server, url = self._serve(["500"])
        case = self._rest_case(url)
        case.action_handoff()
        self.assertEqual(case.agency_case_id, "AG-1")
        self.assertEqual(len(server.requests), 2)  # the 500, then the retry
        keys = {r["headers"]["Idempotency-Key"] for r in server.requests}
        self.assertEqual(len(keys), 1)  # the same key both times
        self.assertEqual(len(server.cases), 1)  # one case at the agency

    def test_rest_handoff_refused_with_400_is_shown_plainly(self):
        server, url = self._serve(["400"])
        case = self._rest_case(url)
        with (
            self.assertLogs(
                "odoo.addons.dunning_advanced.models.dunning_collection_case",
                "WARNING",
            ) as logs,
            self.assertRaises(UserError) as error,
        ):
            case.action_handoff()
        self.assertEqual(
            str(error.exception),
            "Recupero Crediti Nord S.r.l.: The agency refused the case (400): "
            "Debtor fiscal code is missing",
        )
        self.assertIn("failed (400)", logs.output[0])
        self.assertEqual(len(server.requests), 1)  # a 400 is not retried

    def test_email_handoff_mails_the_zip_and_logs_the_checksum(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(invoice).with_context(
            dunning_collection_date=d("2026-04-01")
        )
        case.agency_id = self.lawyer
        case.action_handoff()
        mail = self.env["mail.mail"].search(
            [("model", "=", case._name), ("res_id", "=", case.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("verdi@studiolegale.example.com", mail.email_to)
        self.assertEqual(mail.attachment_ids, case.case_file_id)
        self.assertEqual(mail.attachment_ids.mimetype, "application/zip")
        self.assertEqual(case.handoff_ids.channel, "email")
        self.assertEqual(case.handoff_ids.checksum, case.case_file_checksum)
        self.assertEqual(case.stage_id, self.stage_handed)

    # ------------------------------------------------------------------
    # Settlement and write-off
    # ------------------------------------------------------------------

    def _settle(self, case, action, amount=0.0, user=None):
        env = self.env(user=user) if user else self.env
        wizard = env["dunning.collection.case.settle"].create(
            {
                "case_id": case.id,
                "action": action,
                "amount": amount,
                "note": "Agreed with the debtor's lawyer",
            }
        )
        wizard.action_confirm()

    def _check_write_off(self, case, invoice, amount):
        move = case.writeoff_move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(sum(move.line_ids.mapped("debit")), amount)
        self.assertEqual(sum(move.line_ids.mapped("credit")), amount)
        expense = move.line_ids.filtered(
            lambda line: line.account_id == self.company_data["default_account_expense"]
        )
        self.assertEqual(expense.debit, amount)
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertTrue(receivable.reconciled)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(case.amount_written_off, amount)

    def test_settlement_writes_off_the_rest_once_the_agreed_amount_is_in(self):
        with freeze_time("2026-03-01"):
            invoice = self._invoice(
                self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
            )
            case = self._open_case(invoice)
            self._settle(case, "settle", 700.0, user=self.credit_manager)
        self.assertEqual(case.settlement_amount, 700.0)
        self.assertEqual(case.settlement_base, 1000.0)
        self._pay(invoice, 500.0, d("2026-03-05"))
        self._run("2026-03-06")
        self.assertFalse(case.is_closed)  # 500 of the 700 agreed
        self._pay(invoice, 200.0, d("2026-03-10"))
        self._run("2026-03-11")
        # 1000 - 500 - 200 = 300 written off: debit expense, credit receivable.
        self._check_write_off(case, invoice, 300.0)
        self.assertEqual(case.stage_id, self.stage_settled)
        self.assertEqual(case.writeoff_move_id.date, d("2026-03-11"))

    def test_write_off_closes_the_case_writing_off_everything(self):
        with freeze_time("2026-03-01"):
            invoice = self._invoice(
                self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
            )
            case = self._open_case(invoice)
        self._pay(invoice, 200.0, d("2026-03-05"))
        self._settle(case, "write_off", user=self.credit_manager)
        self._check_write_off(case, invoice, 800.0)  # 1000 - 200
        self.assertEqual(case.stage_id, self.stage_written_off)
        self.assertIn(
            "Agreed with the debtor's lawyer", case.stage_log_ids.sorted("id")[-1].note
        )

    def test_only_a_credit_manager_opens_a_case_by_hand(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        with self.assertRaisesRegex(AccessError, "open a collection case by hand"):
            self._open_case(invoice, user=self.dunning_user)
        self.assertFalse(self.Case.search([("partner_id", "=", self.customer.id)]))
        case = self._open_case(invoice, user=self.credit_manager)
        self.assertEqual(case.line_ids.move_id, invoice)

    def test_dunning_user_reads_cases_but_cannot_settle_or_write_off(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(invoice)
        as_user = case.with_user(self.dunning_user)
        self.assertEqual(as_user.partner_id, self.customer)
        self.assertEqual(as_user.amount_opening, 1000.0)
        with self.assertRaises(AccessError):
            as_user.action_settle()
        with self.assertRaises(AccessError):
            as_user.action_write_off()
        with self.assertRaises(AccessError):
            self._settle(case, "write_off", user=self.dunning_user)
        with self.assertRaises(AccessError):
            as_user._write_off()
        with self.assertRaises(AccessError):
            case.with_user(self.invoicing_user).read(["name"])
        self.assertFalse(case.writeoff_move_id)
        self.assertFalse(case.is_closed)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.dunning_user).action_export_collection_cases()

    def test_agency_secrets_are_readable_only_by_credit_managers(self):
        self.lawyer.write(
            {"collection_api_token": "tok_secret", "collection_webhook_secret": "wh"}
        )
        as_user = self.lawyer.with_user(self.dunning_user)
        self.assertEqual(as_user.collection_agency_kind, "lawyer")
        with self.assertRaises(AccessError):
            as_user.read(["collection_api_token"])
        with self.assertRaises(AccessError):
            as_user.read(["collection_webhook_secret"])
        as_manager = self.lawyer.with_user(self.credit_manager)
        self.assertEqual(as_manager.collection_api_token, "tok_secret")

    def test_export_gives_all_cases_of_the_customer(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        case = self._open_case(invoice)
        action = self.customer.with_user(
            self.credit_manager
        ).action_export_collection_cases()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        data = json.loads(self.env["ir.attachment"].browse(attachment_id).raw)
        self.assertEqual(data["customer"], "Bianchi Costruzioni S.r.l.")
        self.assertEqual([c["reference"] for c in data["cases"]], [case.name])
        self.assertEqual(data["cases"][0]["invoices"][0]["due_at_opening"], 1000.0)
        self.assertEqual(
            data["cases"][0]["stage_history"][0]["to"], "Formal notice sent"
        )
