from datetime import date

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"
DUNNING_USER = "dunning_advanced.group_dunning_user"


class DunningTestCommon(AccountTestInvoicingCommon):
    """A company without taxes on the test lines, a credit manager as the test
    user, and users for each role that must or must not get through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env.user.groups_id += cls.env.ref(CREDIT_MANAGER)
        # The standard policy has a credit manager approve formal notices;
        # tests walking through the levels send them as the run makes them
        # (TestReminderApproval covers the approval).
        cls.env["dunning.level"].search(
            [("company_id", "=", cls.company.id), ("is_formal_notice", "=", True)]
        ).requires_approval = False
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.customer = cls._create_customer("Bianchi Costruzioni S.r.l.")
        cls.product = cls.env["product.product"].create(
            {"name": "Cement bag", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        company_ids = [Command.set(cls.company.ids)]
        cls.salesperson = new_test_user(
            cls.env,
            login="salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.invoicing_user = new_test_user(
            cls.env,
            login="invoicing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.dunning_user = new_test_user(
            cls.env,
            login="dunning_user",
            groups=f"{DUNNING_USER},sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="credit_manager",
            groups=f"{CREDIT_MANAGER},sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=company_ids,
        )

    @classmethod
    def _create_customer(cls, name, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "customer_rank": 1,
                "property_payment_term_id": False,
                "invoice_sending_method": "manual",
                "invoice_edi_format": False,
                **vals,
            }
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        invoice_date,
        due_date=None,
        currency=None,
        post=True,
        move_type="out_invoice",
        company=None,
    ):
        """An invoice without taxes, dated and due as given."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": due_date or invoice_date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoices, amount, payment_date, currency=None):
        """Register a customer payment on ``invoices`` at ``payment_date``."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "payment_date": payment_date,
                    "amount": amount,
                    "currency_id": (currency or invoices.currency_id).id,
                    "group_payment": True,
                }
            )
        )
        return wizard._create_payments()

    def _set_limit(self, partner, amount, currency=None, company=None):
        partner = partner.with_company(company or self.company)
        partner.write(
            {
                "use_partner_credit_limit": True,
                "credit_limit": amount,
                "credit_limit_currency_id": currency.id if currency else False,
            }
        )

    def _sale_order(self, partner, amount, user=None):
        env = self.env(user=user) if user else self.env
        return (
            env["sale.order"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _profile(self, partner, company=None):
        return (
            self.env["dunning.credit.profile"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", (company or self.company).id),
                ]
            )
        )


def d(value):
    return date.fromisoformat(value)
