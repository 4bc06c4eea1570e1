import json
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_dunning_engine import DunningEngineCommon

ATTEMPT_LOGGER = "odoo.addons.dunning_advanced.models.dunning_portal_attempt"


class PortalHttpCommon(DunningEngineCommon):
    """The customer's friendly reminder of today, two invoices due 10 days
    ago (dates relative to today: the browser and the server run unfrozen)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.dunning_collector_id = cls.dunning_user
        profile = (
            cls.env["dunning.credit.profile"]
            .sudo()
            .create({"partner_id": cls.customer.id, "company_id": cls.company.id})
        )
        profile.risk_class = "A"
        today = fields.Date.today()
        cls.today = today
        cls.big = cls._invoice(
            cls.customer, 1000.0, today - timedelta(days=40), today - timedelta(days=10)
        )
        cls.small = cls._invoice(
            cls.customer, 500.0, today - timedelta(days=40), today - timedelta(days=10)
        )
        cls.other = cls._create_customer(
            "Neri Impianti S.r.l.", email="neri@example.com"
        )
        cls.other_invoice = cls._invoice(
            cls.other, 777.0, today - timedelta(days=40), today - timedelta(days=10)
        )

    def setUp(self):
        super().setUp()
        self._run(fields.Date.to_string(self.today))
        self.reminder = self._communications()[-1]
        self.path = "/d/" + self.reminder._portal_url().rsplit("/d/", 1)[1]

    def _receivable(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@tagged("post_install", "-at_install")
class TestPortalSecurity(PortalHttpCommon, HttpCase):
    def test_valid_link_shows_the_customer_and_only_it(self):
        response = self.url_open(self.path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.customer.name, response.text)
        self.assertIn(self.big.name, response.text)
        self.assertIn(self.small.name, response.text)
        self.assertNotIn(self.other.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        opened = self.env["dunning.portal.event"].search(
            [("communication_id", "=", self.reminder.id), ("event", "=", "opened")]
        )
        self.assertEqual(len(opened), 1)

    def test_expired_link_gets_a_plain_page_without_data(self):
        Portal = self.env["dunning.portal"]
        token = Portal._token(
            self.customer, self.company, self.today - timedelta(days=1), self.reminder
        )
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING") as logs:
            response = self.url_open(f"/d/{token}")
        self.assertEqual(response.status_code, 410)
        self.assertIn("This link has expired", response.text)
        for secret in (self.customer.name, self.company.name, self.big.name, "1,000"):
            self.assertNotIn(secret, response.text)
        self.assertIn("expired", logs.output[0])
        attempt = self.env["dunning.portal.attempt"].search([], limit=1)
        self.assertEqual(attempt.reason, "expired")
        self.assertEqual(attempt.token_hint, token[:8])

    def test_tampered_link_gets_a_plain_page_and_is_logged(self):
        token = self.path.rsplit("/", 1)[1]
        # The customer id sits in the first characters: make it another one.
        tampered = token[:5] + ("b" if token[5] != "b" else "c") + token[6:]
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            response = self.url_open(f"/d/{tampered}")
        self.assertEqual(response.status_code, 404)
        self.assertIn("This link does not work", response.text)
        self.assertNotIn(self.company.name, response.text)
        self.assertNotIn(self.other.name, response.text)
        self.assertEqual(
            self.env["dunning.portal.attempt"].search([], limit=1).reason, "tampered"
        )

    def test_another_customers_item_id_opens_nothing(self):
        own = self.url_open(f"{self.path}/invoice/{self.big.id}")
        self.assertEqual(own.status_code, 200)
        self.assertEqual(own.headers["Content-Type"], "application/pdf")
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            foreign = self.url_open(f"{self.path}/invoice/{self.other_invoice.id}")
        self.assertEqual(foreign.status_code, 404)
        self.assertNotIn(b"%PDF", foreign.content)
        # Paying it, or disputing it, is refused just the same.
        line = self._receivable(self.other_invoice)
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            pay = self.url_open(f"{self.path}/pay?items={line.id}")
        self.assertEqual(pay.status_code, 404)
        page = self.url_open(self.path).text
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            dispute = self.url_open(
                f"{self.path}/dispute",
                data={
                    "csrf_token": self._csrf(page),
                    "item": line.id,
                    "reason_code": "other",
                    "message": "Not ours",
                },
            )
        self.assertEqual(dispute.status_code, 404)
        self.assertFalse(
            self.env["dunning.dispute"].search(
                [("move_id", "=", self.other_invoice.id)]
            )
        )

    def test_forms_need_the_csrf_token(self):
        values = {
            "items": self._receivable(self.big).id,
            "promise_date": fields.Date.to_string(self.today + timedelta(days=10)),
            "amount": "1000",
        }
        with self.assertLogs("odoo.http", "WARNING"):
            refused = self.url_open(f"{self.path}/promise", data=values)
        self.assertEqual(refused.status_code, 400)
        self.assertFalse(
            self.env["dunning.promise"].search([("partner_id", "=", self.customer.id)])
        )
        page = self.url_open(self.path).text
        accepted = self.url_open(
            f"{self.path}/promise",
            data={**values, "csrf_token": self._csrf(page)},
        )
        self.assertEqual(accepted.status_code, 200)
        self.assertIn("your promise is recorded", accepted.text)
        promise = self.env["dunning.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.move_ids, self.big)

    def test_failed_links_are_rate_limited(self):
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            for index in range(11):
                self.url_open(f"/d/{'a' * 35}{'bcdefghijk'[index % 10]}")
            limited = self.url_open(self.path)
        self.assertEqual(limited.status_code, 429)
        self.assertNotIn(self.customer.name, limited.text)

    def _transaction(self, target, amount):
        """The payment form's call creating the transaction: its error message."""
        response = self.url_open(
            f"{self.path}/transaction/{target}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"amount": amount, "provider_id": 1, "flow": "direct"},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["error"]["data"]["message"]

    def test_amount_and_items_are_checked_again_when_paying(self):
        line = self._receivable(self.big)
        with self.assertLogs("odoo.http", "WARNING"):
            message = self._transaction(f"items-{line.id}", 1.0)
        self.assertIn("changed since the page was opened", message)
        other = self._receivable(self.other_invoice)
        with (
            self.assertLogs(ATTEMPT_LOGGER, "WARNING"),
            self.assertLogs("odoo.http", "WARNING"),
        ):
            message = self._transaction(f"items-{other.id}", 777.0)
        self.assertIn("parameters are invalid", message)
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )

    def test_statement_pdf_and_languages(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )
        statement = self.url_open(f"{self.path}/statement")
        self.assertEqual(statement.headers["Content-Type"], "application/pdf")
        self.assertTrue(statement.content.startswith(b"%PDF"))
        italian = self.url_open(f"{self.path}?lang=it_IT").text
        self.assertIn('<strong class="ms-2">Italiano</strong>', italian)
        self.assertIn("1.500,00", italian)
        self.assertIn("La vostra posizione con noi", italian)
        self.assertIn("Pagherò in una data", italian)
        self.assertIn("Quando scadono le vostre fatture", italian)
        english = self.url_open(f"{self.path}?lang=en_US").text
        self.assertIn('<strong class="ms-2">English</strong>', english)
        self.assertIn("1,500.00", english)
        self.assertIn("Your account with us", english)

    def test_portal_user_reaches_the_same_page(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Mario Bianchi",
                "parent_id": self.customer.id,
                "email": "mario@bianchi.example.com",
            }
        )
        new_test_user(
            self.env,
            login="bianchi_portal",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.authenticate("bianchi_portal", "bianchi_portal")
        response = self.url_open("/my/dunning")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/d/", response.url)
        self.assertIn(self.big.name, response.text)

    def test_a_plan_instalment_is_paid_for_what_it_still_owes(self):
        plan = self.env["dunning.instalment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, (self.big | self.small).ids)],
                "instalment_count": 3,
                "first_date": self.today + timedelta(days=5),
            }
        )
        plan.action_activate()
        first, _second, third = plan.line_ids.sorted("date")
        page = self.url_open(f"{self.path}/pay?instalment={first.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("To pay: 500.00 €", " ".join(page.text.split()))
        # Not payable yet (two months away): the page says from when.
        later = self.url_open(f"{self.path}/pay?instalment={third.id}")
        self.assertEqual(later.status_code, 200)
        self.assertIn("can be paid online from", later.text)
        self.assertNotIn("o_payment_form", later.text)
        other_plan = self.env["dunning.instalment.plan"].create(
            {
                "partner_id": self.other.id,
                "move_ids": [(6, 0, self.other_invoice.ids)],
                "instalment_count": 2,
                "first_date": self.today,
            }
        )
        other_plan.action_activate()
        with self.assertLogs(ATTEMPT_LOGGER, "WARNING"):
            foreign = self.url_open(
                f"{self.path}/pay?instalment={other_plan.line_ids[0].id}"
            )
        self.assertEqual(foreign.status_code, 404)
        self.assertNotIn("777", foreign.text)
