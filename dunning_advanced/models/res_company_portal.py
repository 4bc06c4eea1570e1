from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompanyPortal(models.Model):
    """The customer's page of the company: whether reminders carry the
    personal link, how long it works, how long a reported payment or a
    request under review pauses reminders, and the payment education texts
    (empty: the standard ones, in the customer's language)."""

    _inherit = "res.company"

    dunning_portal_enabled = fields.Boolean(
        string="Personal Page in Reminders",
        default=True,
        help="Every reminder and statement carries the customer's personal link "
        "(email button, QR code and short address on letters).",
    )
    dunning_portal_validity_days = fields.Integer(
        string="Links Work for (days)",
        default=90,
        help="A personal link works this many days after its reminder.",
    )
    dunning_portal_review_days = fields.Integer(
        string="Pause While We Check (days)",
        default=7,
        help="Reminders of invoices the customer reports paid, or asks a promise "
        "or a plan for that needs review, wait this many days.",
    )
    dunning_portal_text_due = fields.Text(
        string="Text: Due Dates",
        translate=True,
        help="On the customer's page and in courtesy reminders. Empty: the "
        "standard text.",
    )
    dunning_portal_text_pay = fields.Text(
        string="Text: How to Pay",
        translate=True,
        help="On the customer's page and in courtesy reminders. Empty: the "
        "standard text.",
    )
    dunning_portal_text_late = fields.Text(
        string="Text: Cost of Paying Late",
        translate=True,
        help="On the customer's page and in courtesy reminders. Empty: the "
        "standard text.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["dunning.portal.rule"]._ensure_default_rules(companies)
        return companies

    @api.constrains("dunning_portal_validity_days", "dunning_portal_review_days")
    def _check_dunning_portal_days(self):
        for company in self:
            if not 1 <= company.dunning_portal_validity_days <= 730:
                raise ValidationError(
                    _("%s: personal links work between 1 and 730 days.", company.name)
                )
            if not 0 <= company.dunning_portal_review_days <= 60:
                raise ValidationError(
                    _(
                        "%s: reminders wait between 0 and 60 days while a request is "
                        "checked.",
                        company.name,
                    )
                )

    def _dunning_portal_education(self, lang=None):
        """[(title, text)] of the payment education texts in ``lang``: the
        company's own, else the standard ones."""
        self.ensure_one()
        company = self.with_context(lang=lang) if lang else self
        env = company.env
        return [
            (
                env._("When your invoices are due"),
                company.dunning_portal_text_due
                or env._(
                    "Each invoice is due on the date written on it. A few days "
                    "before, we send a short courtesy note; after it, reminders "
                    "that become firmer over time."
                ),
            ),
            (
                env._("How to pay"),
                company.dunning_portal_text_pay
                or env._(
                    "Pay online from this page in a minute, or by bank transfer to "
                    "the account below (scan the QR code with your banking app), "
                    "quoting the invoice numbers. If you cannot pay everything now, "
                    "promise a date or ask for instalments here: we will answer "
                    "quickly."
                ),
            ),
            (
                env._("What paying late costs"),
                company.dunning_portal_text_late
                or env._(
                    "Between businesses, the law (D.Lgs. 231/2002) adds statutory "
                    "interest from the day after the due date, at the ECB rate plus "
                    "8 points, and a fixed 40 EUR for each invoice paid late. A "
                    "payment promised or arranged in instalments avoids further "
                    "reminders."
                ),
            ),
        ]
