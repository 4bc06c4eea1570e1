from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
class TestScreens(DunningTestCommon):
    """Screens that read well: what a user sees, as the views give it."""

    def _arch(self, model, view_type="form", lang=None):
        env = self.env(context=dict(self.env.context, lang=lang)) if lang else self.env
        views = env[model].get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def _italian(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )

    def test_debt_collection_tab_only_for_lawyers_and_agencies(self):
        arch = self._arch("res.partner")
        page = arch.xpath("//page[@name='dunning_collection']")[0]
        self.assertEqual(page.get("invisible"), "not collection_agency_kind")
        # The flag itself is outside the tab, under Misc.
        self.assertTrue(
            arch.xpath("//group[@name='misc']/field[@name='collection_agency_kind']")
        )
        # A debtor's case buttons are with its credit and dunning.
        actions = arch.xpath("//div[@name='dunning_collection_actions']")[0]
        self.assertTrue(actions.xpath(".//button[@name='action_open_collection_case']"))

    def test_put_on_hold_button_in_italian(self):
        self._italian()
        arch = self._arch("res.partner", lang="it_IT")
        button = arch.xpath("//button[@name='action_credit_hold']")[0]
        self.assertEqual(button.get("string"), "Metti in blocco")

    def test_channel_columns_are_icons_with_short_labels(self):
        arch = self._arch("dunning.policy")
        for name, label in (
            ("send_email", "Email"),
            ("send_letter", "Letter"),
            ("send_sms", "SMS"),
            ("create_call", "Call"),
        ):
            column = arch.xpath(
                f"//field[@name='level_ids']//list/field[@name='{name}']"
            )[0]
            self.assertEqual(column.get("widget"), "boolean_icon")
            self.assertEqual(column.get("string"), label)

    def test_factor_table_numbers_in_the_users_locale(self):
        self._italian()
        partner = self.customer
        invoice = self._invoice(partner, 1234.5, d("2026-01-01"), d("2026-01-31"))
        self._pay(invoice, 1234.5, d("2026-02-02"))
        profile = (
            self.env["dunning.credit.profile"]
            .sudo()
            ._compute_risk_scores(partner, self.company, d("2026-03-01"))
        )
        html = str(profile.with_context(lang="it_IT").risk_explanation)
        # 2 days late on the one invoice paid, 100 % of them late
        self.assertIn("2,0", html)
        self.assertIn("100,0 %", html)
        english = str(profile.with_context(lang="en_US").risk_explanation)
        self.assertIn("100.0 %", english)

    def test_instalments_in_the_calendar_are_named_by_plan_and_number(self):
        invoice = self._invoice(self.customer, 900, d("2026-01-01"), d("2026-01-31"))
        with freeze_time("2026-02-15"):  # a plan starts from today on
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "instalment_count": 3,
                    "first_date": d("2026-03-01"),
                }
            )
            plan.action_compute_instalments()
        second = plan.line_ids.sorted("date")[1]
        self.assertEqual(
            second.display_name, f"{plan.name}, 2 of 3: Bianchi Costruzioni S.r.l."
        )

    def test_credit_override_opens_its_document(self):
        order = self._sale_order(self.customer, 100)
        override = (
            self.env["dunning.credit.override"]
            .sudo()
            .create(
                {
                    "override_type": "approve",
                    "partner_id": self.customer.id,
                    "reason": "Guarantee received",
                    "document_ref": f"sale.order,{order.id}",
                    "amount": 100,
                    "currency_id": order.currency_id.id,
                }
            )
        )
        action = override.action_open_document()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("sale.order", order.id)
        )
        arch = self._arch("dunning.credit.override", "list")
        self.assertTrue(arch.xpath("//button[@name='action_open_document']"))
