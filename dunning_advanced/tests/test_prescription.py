from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DUNNING_USER, DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestPrescription(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Old bills on purpose: no credit hold for overdue invoices here.
        cls.company.credit_hold_overdue_days = 0
        cls.consumer = cls._create_customer("Mario Rossi", is_company=False)
        Category = cls.env["product.category"]
        Product = cls.env["product.product"]
        cls.cat_electricity = Category.create(
            {"name": "Electricity supply", "prescription_term": "utility_electricity"}
        )
        cls.cat_ordinary = Category.create(
            {"name": "Equipment", "prescription_term": "ordinary"}
        )
        cls.electricity = Product.create(
            {
                "name": "Electricity, monthly bill",
                "categ_id": cls.cat_electricity.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.equipment = Product.create(
            {
                "name": "Meter",
                "categ_id": cls.cat_ordinary.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.periodic_journal = cls.sale_journal.copy(
            {
                "name": "Subscriptions",
                "code": "SUBS",
                "prescription_term": "periodic",
                "default_account_id": cls.sale_journal.default_account_id.id,
            }
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @classmethod
    def _bill(cls, partner, due, products=(False,), journal=None, company=None):
        """A posted invoice due on ``due``, one line of 100 per product."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    **({"journal_id": journal.id} if journal else {}),
                    "invoice_date": due,
                    "date": due,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Supply",
                                "product_id": product.id if product else False,
                                "quantity": 1,
                                "price_unit": 100.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for product in products
                    ],
                }
            )
        )
        move.action_post()
        return move

    @contextmanager
    def _assertRefused(self, exception, pattern):
        """assertRaisesRegex in a savepoint (Odoo only wraps assertRaises)."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def _proof(self, name="pec_delivery_receipt.eml", user=None):
        env = self.env(user=user) if user else self.env
        return env["ir.attachment"].create(
            {"name": name, "raw": b"Ricevuta di avvenuta consegna"}
        )

    def _event(
        self, moves, when, kind="acknowledgement", user=None, proof=True, **vals
    ):
        env = self.env(user=user) if user else self.env
        values = {
            "partner_id": moves.commercial_partner_id.id,
            "move_ids": [Command.set(moves.ids)],
            "date": when,
            "kind": kind,
            **vals,
        }
        if proof:
            values["proof_attachment_ids"] = [Command.set(self._proof(user=user).ids)]
        return (
            env["dunning.prescription.event"]
            .with_company(moves.company_id)
            .create(values)
        )

    # ------------------------------------------------------------------
    # Terms and precedence
    # ------------------------------------------------------------------

    def test_default_term_is_ten_years_from_the_due_date(self):
        """Art. 2946 c.c.: due 31 January 2025, last day 31 January 2035."""
        invoice = self._bill(self.customer, d("2025-01-31"))
        self.assertEqual(invoice.prescription_term, "ordinary")
        self.assertEqual(invoice.prescription_date, d("2035-01-31"))

    def test_journal_term_applies_to_lines_without_a_category_term(self):
        """Periodic journal: 5 years (art. 2948), 31 Jan 2025 -> 31 Jan 2030."""
        invoice = self._bill(
            self.customer, d("2025-01-31"), journal=self.periodic_journal
        )
        self.assertEqual(invoice.prescription_term, "periodic")
        self.assertEqual(invoice.prescription_date, d("2030-01-31"))

    def test_consumer_electricity_bill_prescribes_in_two_years(self):
        """L. 205/2017: due 31 Jan 2025 -> 31 Jan 2027. A bill due on the
        sector's cut-off (1 March 2018) keeps 5 years: 1 March 2023."""
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        self.assertEqual(invoice.prescription_term, "utility_electricity")
        self.assertEqual(invoice.prescription_date, d("2027-01-31"))
        old = self._bill(self.consumer, d("2018-03-01"), [self.electricity])
        self.assertEqual(old.prescription_date, d("2023-03-01"))

    def test_business_electricity_bill_keeps_the_periodic_term(self):
        """A company is not covered by L. 205/2017: periodic supply, 5 years
        (31 Jan 2025 -> 31 Jan 2030); a micro-enterprise is: 2 years."""
        invoice = self._bill(self.customer, d("2025-01-31"), [self.electricity])
        self.assertEqual(invoice.prescription_date, d("2030-01-31"))
        self.customer.dunning_micro_enterprise = True
        self.assertEqual(invoice.prescription_date, d("2027-01-31"))

    def test_category_prevails_over_journal_and_the_shortest_term_counts(self):
        """Equipment (ordinary category) on the periodic journal: 10 years, not
        the journal's 5. Mixed with an electricity line for a consumer: the
        2-year term ends first and counts (31 Jan 2025 -> 31 Jan 2027)."""
        equipment = self._bill(
            self.consumer,
            d("2025-01-31"),
            [self.equipment],
            journal=self.periodic_journal,
        )
        self.assertEqual(equipment.prescription_date, d("2035-01-31"))
        mixed = self._bill(
            self.consumer,
            d("2025-01-31"),
            [self.equipment, self.electricity],
            journal=self.periodic_journal,
        )
        self.assertEqual(mixed.prescription_term, "utility_electricity")
        self.assertEqual(mixed.prescription_date, d("2027-01-31"))
        # A line without product takes the journal's 5 years, shorter than 10.
        with_free_line = self._bill(
            self.consumer,
            d("2025-01-31"),
            [self.equipment, False],
            journal=self.periodic_journal,
        )
        self.assertEqual(with_free_line.prescription_date, d("2030-01-31"))

    def test_only_posted_customer_invoices_prescribe(self):
        draft = self._invoice(self.customer, 100, d("2025-01-31"), post=False)
        refund = self._invoice(
            self.customer, 100, d("2025-01-31"), move_type="out_refund"
        )
        self.assertFalse(draft.prescription_date)
        self.assertFalse(refund.prescription_date)

    # ------------------------------------------------------------------
    # Interruptions
    # ------------------------------------------------------------------

    def test_acknowledgement_with_proof_restarts_the_term(self):
        """Consumer electricity bill due 31 Jan 2025 (end 31 Jan 2027); the
        debtor acknowledges the debt on 1 March 2026: 2 years from then, 1 March
        2028. A formal notice received on 9 March 2026: 9 March 2028."""
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        first = self._event(invoice, d("2026-03-01"), user=self.dunning_user)
        self.assertEqual(first.user_id, self.dunning_user)
        self.assertEqual(invoice.prescription_date, d("2028-03-01"))
        self.assertEqual(invoice.prescription_event_count, 1)
        self.assertIn("03/01/2028", invoice.message_ids[0].body)
        self._event(
            invoice, d("2026-03-09"), kind="formal_notice", user=self.dunning_user
        )
        self.assertEqual(invoice.prescription_date, d("2028-03-09"))
        self.assertEqual(invoice.prescription_event_count, 2)

    def test_one_event_interrupts_several_invoices_of_the_customer(self):
        """Due 31 Jan 2025 (10 y) and 28 Feb 2025 (2 y): both restart on 5 March
        2026, each with its own term: 5 March 2036 and 5 March 2028."""
        equipment = self._bill(self.consumer, d("2025-01-31"), [self.equipment])
        bill = self._bill(self.consumer, d("2025-02-28"), [self.electricity])
        self._event(equipment | bill, d("2026-03-05"), kind="legal_act")
        self.assertEqual(equipment.prescription_date, d("2036-03-05"))
        self.assertEqual(bill.prescription_date, d("2028-03-05"))

    def test_event_without_required_proof_is_refused(self):
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        with self._assertRefused(
            ValidationError,
            "Acknowledgement of Debt interrupts the prescription only if it can be "
            "proven: attach the proof",
        ):
            self._event(invoice, d("2026-03-01"), proof=False)
        with self._assertRefused(ValidationError, "Describe in the note"):
            self._event(invoice, d("2026-03-01"), kind="other", proof=False)
        other = self._event(
            invoice,
            d("2026-03-01"),
            kind="other",
            proof=False,
            note="Partial payment on 1 March 2026 (art. 2944 c.c.)",
        )
        self.assertEqual(invoice.prescription_date, d("2028-03-01"))
        self.assertFalse(other.proof_attachment_ids)

    def test_event_dates_and_invoices_are_checked(self):
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        with self._assertRefused(ValidationError, "falls due on 01/31/2025"):
            self._event(invoice, d("2025-01-30"))
        with self._assertRefused(ValidationError, "in the future"):
            self._event(invoice, d("2026-03-11"))
        with self._assertRefused(ValidationError, "is not owed by Bianchi"):
            self._event(invoice, d("2026-03-01"), partner_id=self.customer.id)
        self.assertEqual(invoice.prescription_date, d("2027-01-31"))

    def _formal_notice(self, invoice, level, state="sent"):
        communication = (
            self.env["dunning.communication"]
            .sudo()
            .create(
                {
                    "partner_id": invoice.partner_id.id,
                    "company_id": self.company.id,
                    "level_id": level.id,
                    "currency_id": invoice.currency_id.id,
                    "date": d("2026-03-02"),
                    "state": state,
                }
            )
        )
        term_line = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.env["dunning.communication.line"].sudo().create(
            {
                "communication_id": communication.id,
                "move_line_id": term_line.id,
                "date_maturity": term_line.date_maturity,
                "amount_residual": 100.0,
            }
        )
        return communication

    def test_formal_notice_interrupts_only_when_its_receipt_is_recorded(self):
        """Sent on 2 March 2026, nothing changes (end 31 Jan 2027); received by
        PEC on 4 March 2026: 4 March 2028. Its receipt is recorded once."""
        Level = self.env["dunning.level"]
        levels = Level.search([("company_id", "=", self.company.id)])
        notice_level = levels.filtered("is_formal_notice")[:1]
        friendly = levels.filtered(
            lambda lv: not lv.is_formal_notice and not lv.legal_stage
        )[:1]
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        notice = self._formal_notice(invoice, notice_level)
        self.assertTrue(notice.is_written_demand)
        self.assertEqual(invoice.prescription_date, d("2027-01-31"))

        action = notice.with_user(self.dunning_user).action_record_receipt()
        self.assertEqual(action["context"]["default_move_ids"], invoice.ids)
        event = (
            self.env["dunning.prescription.event"]
            .with_user(self.dunning_user)
            .with_context(**action["context"])
            .create(
                {
                    "date": d("2026-03-04"),
                    "proof_attachment_ids": [
                        Command.set(self._proof(user=self.dunning_user).ids)
                    ],
                }
            )
        )
        self.assertEqual(event.kind, "formal_notice")
        self.assertEqual(event.communication_id, notice)
        self.assertEqual(invoice.prescription_date, d("2028-03-04"))

        reminder = self._formal_notice(invoice, friendly)
        self.assertFalse(reminder.is_written_demand)
        with self._assertRefused(ValidationError, "is not a formal notice"):
            self._event(
                invoice,
                d("2026-03-05"),
                kind="formal_notice",
                communication_id=reminder.id,
            )
        with self._assertRefused(ValidationError, "cannot have been received before"):
            self._event(
                invoice,
                d("2026-03-01"),
                kind="formal_notice",
                communication_id=self._formal_notice(invoice, notice_level).id,
            )

    # ------------------------------------------------------------------
    # Near prescription
    # ------------------------------------------------------------------

    def _near_bills(self):
        """Consumer electricity bills, today 10 March 2026:
        due 1 Mar 2024 -> prescribed 1 Mar 2026 (9 days ago);
        due 1 May 2024 -> 1 May 2026, 52 days left (31 to 10 Apr + 21);
        due 1 Jul 2024 -> 1 Jul 2026, 113 days left (31 + 30 + 31 + 21);
        due 1 Sep 2024 -> 1 Sep 2026, 175 days left (113 + 30 + 31 + 1)."""
        return [
            self._bill(self.consumer, d(due), [self.electricity])
            for due in ("2024-03-01", "2024-05-01", "2024-07-01", "2024-09-01")
        ]

    def test_near_prescription_search_follows_the_company_horizon(self):
        expired, may, july, september = self._near_bills()
        Move = self.env["account.move"]
        ids = [("id", "in", [expired.id, may.id, july.id, september.id])]
        self.assertEqual(self.company.prescription_horizon_days, 90)
        self.assertEqual(
            [may.prescription_days_left, july.prescription_days_left], [52, 113]
        )
        self.assertEqual(expired.prescription_days_left, -9)
        self.assertEqual(Move.search([*ids, ("prescription_near", "=", True)]), may)
        self.assertEqual(
            Move.search([*ids, ("prescription_expired", "=", True)]), expired
        )
        self.assertEqual(
            Move.search([*ids, ("prescription_near", "=", False)]),
            expired | july | september,
        )
        self.company.prescription_horizon_days = 120
        self.assertEqual(
            Move.search([*ids, ("prescription_near", "=", True)]), may | july
        )
        self.assertTrue(july.prescription_near)

    def test_cron_plans_one_activity_per_invoice_and_date(self):
        """Lead 120 days: the May (52 days) and July (113) bills get a to-do,
        due when they enter the 90-day horizon: May at once (1 May - 90 days is
        31 Jan, past), July on 2 April 2026 (1 July - 90 days)."""
        expired, may, july, september = self._near_bills()
        paid = self._bill(self.consumer, d("2024-05-02"), [self.electricity])
        self._pay(paid, 100, d("2026-03-01"))
        self.company.prescription_user_id = self.credit_manager
        Event = self.env["dunning.prescription.event"]
        # Batches of one: two batches, then a second run finds nothing.
        Event._cron_schedule_prescription_activities(batch_size=1)
        Event._cron_schedule_prescription_activities()
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", [expired.id, may.id, july.id, september.id, paid.id]),
                ("activity_type_id", "=", todo.id),
            ]
        )
        self.assertEqual(len(activities), 2)
        by_move = {activity.res_id: activity for activity in activities}
        self.assertEqual(set(by_move), {may.id, july.id})
        self.assertEqual(by_move[may.id].date_deadline, d("2026-03-10"))
        self.assertEqual(by_move[july.id].date_deadline, d("2026-04-02"))
        self.assertEqual(by_move[may.id].user_id, self.credit_manager)
        self.assertEqual(may.prescription_alert_date, d("2026-05-01"))
        # Interrupted: a new date, out of the lead days; nothing new is planned.
        self._event(may, d("2026-03-10"))
        self.assertEqual(may.prescription_date, d("2028-03-10"))
        Event._cron_schedule_prescription_activities()
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "account.move"), ("res_id", "=", may.id)]
            ),
            1,
        )

    def test_cron_warns_the_first_credit_manager_by_default(self):
        """No responsible set: the company's credit manager with the smallest id
        (OdooBot aside). Here only credit_manager and the test user qualify,
        and a credit manager created earlier ranks first."""
        self.assertFalse(self.company.prescription_user_id)
        responsible = self.company._prescription_responsible()
        self.assertTrue(
            responsible.has_group("dunning_advanced.group_dunning_credit_manager")
        )
        self.assertLessEqual(responsible.id, self.credit_manager.id)
        self.assertIn(self.company, responsible.company_ids)
        self.company.prescription_user_id = self.dunning_user
        self.assertEqual(self.company._prescription_responsible(), self.dunning_user)

    # ------------------------------------------------------------------
    # Multi-company and access
    # ------------------------------------------------------------------

    def test_events_and_horizons_stay_in_their_company(self):
        other = self.setup_other_company(name="Altra Azienda S.r.l.")["company"]
        other_user = new_test_user(
            self.env,
            login="other_prescription_user",
            groups=f"{DUNNING_USER},sales_team.group_sale_salesman",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        ours = self._bill(self.consumer, d("2024-05-01"), [self.electricity])
        theirs = self._bill(
            self.consumer, d("2024-07-01"), [self.electricity], company=other
        )
        # Other company: a category term is shared, the consumer too: 2 years.
        self.assertEqual(theirs.prescription_date, d("2026-07-01"))
        event = self._event(ours, d("2026-03-01"))
        Event = self.env["dunning.prescription.event"].with_user(other_user)
        self.assertFalse(Event.search([]))
        with self.assertRaises(AccessError):
            event.with_user(other_user).read(["date"])
        with self.assertRaises(UserError):
            self._event(ours | theirs, d("2026-03-01"))
        # Horizons: 90 days here (July bill, 113 days, is out), 120 there.
        other.prescription_horizon_days = 120
        Move = self.env["account.move"].with_context(
            allowed_company_ids=[self.company.id, other.id]
        )
        fresh = self._bill(self.consumer, d("2024-07-01"), [self.electricity])
        self.assertEqual(
            Move.search(
                [
                    ("id", "in", [fresh.id, theirs.id]),
                    ("prescription_near", "=", True),
                ]
            ),
            theirs,
        )

    def test_salesperson_cannot_record_events_dunning_user_cannot_delete(self):
        invoice = self._bill(self.consumer, d("2025-01-31"), [self.electricity])
        for user in (self.salesperson, self.invoicing_user):
            with self.assertRaises(AccessError):
                self.env["dunning.prescription.event"].with_user(user).create(
                    {
                        "partner_id": self.consumer.id,
                        "move_ids": [Command.set(invoice.ids)],
                        "date": d("2026-03-01"),
                        "kind": "other",
                        "note": "Phone call",
                    }
                )
        event = self._event(invoice, d("2026-03-01"), user=self.dunning_user)
        with self.assertRaises(AccessError):
            event.with_user(self.dunning_user).unlink()
        with self.assertRaises(AccessError):
            event.with_user(self.dunning_user).write({"date": d("2026-03-02")})
        with self.assertRaises(AccessError):
            self.sale_journal.with_user(self.dunning_user).write(
                {"prescription_term": "periodic"}
            )
        event.with_user(self.credit_manager).unlink()
        self.assertEqual(invoice.prescription_date, d("2027-01-31"))
