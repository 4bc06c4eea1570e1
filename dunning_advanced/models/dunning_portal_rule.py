from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.portal_rules import Limit

RULE_KINDS = [("promise", "Promise to Pay"), ("plan", "Instalment Plan")]


class DunningPortalRule(models.Model):
    """What a customer may settle alone on its page: a promise to pay or an
    instalment plan within these limits is accepted at once; beyond them it
    goes to a Dunning User (promises) or a Credit Manager (plans).

    Every company gets two standard rules (classes A and B: promises within
    30 days; plans of at most 6 monthly instalments and 5,000 within 180
    days), which it can change, add to or archive."""

    _name = "dunning.portal.rule"
    _description = "Customer Page Rule"
    _order = "company_id, kind, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(RULE_KINDS, required=True, default="promise")
    risk_class_ids = fields.Many2many(
        "dunning.risk.class",
        string="Risk Classes",
        help="Customers of these classes are accepted at once within the limits.",
    )
    include_unrated = fields.Boolean(
        string="Unrated Customers Too",
        help="Customers with too little history for a risk class are accepted too.",
    )
    max_days = fields.Integer(
        string="Within Days",
        default=30,
        help="Promises: the promised date at most this many days from the request. "
        "Plans: the last instalment at most this many days away. 0: no limit.",
    )
    max_amount = fields.Monetary(
        string="Up to Amount",
        help="The amount promised or repaid in instalments at most this much, in "
        "the company's currency. 0: no limit.",
    )
    max_instalments = fields.Integer(
        string="Up to Instalments",
        default=6,
        help="Plans only: at most this many monthly instalments. 0: no limit.",
    )
    min_share = fields.Float(
        string="Covers at Least (%)",
        default=100.0,
        help="Promises only: the promised amount covers at least this share of "
        "what the chosen invoices owe.",
    )

    @api.constrains("max_days", "max_amount", "max_instalments", "min_share")
    def _check_limits(self):
        for rule in self:
            if rule.max_days < 0 or rule.max_amount < 0 or rule.max_instalments < 0:
                raise ValidationError(
                    _("Rule %s: limits are positive numbers (0: no limit).", rule.name)
                )
            if not 0 <= rule.min_share <= 100:
                raise ValidationError(
                    _("Rule %s: the share covered is between 0 and 100 %%.", rule.name)
                )

    def _limits(self):
        """The rules as pure limits (lib/portal_rules.py), in their order."""
        return [
            Limit(
                key=rule.id,
                kind=rule.kind,
                risk_classes=frozenset(rule.risk_class_ids.mapped("code")),
                include_unrated=rule.include_unrated,
                max_days=rule.max_days,
                max_amount=(Decimal(str(rule.max_amount)) if rule.max_amount else None),
                max_instalments=rule.max_instalments,
                min_share=Decimal(str(rule.min_share)),
            )
            for rule in self.sorted(lambda r: (r.sequence, r.id))
        ]

    @api.model
    def _ensure_default_rules(self, companies=None):
        """The two standard rules for every company that has none (at install
        and when a company is created)."""
        companies = companies or self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        rules = self.sudo().with_context(active_test=False)
        classes = (
            self.env["dunning.risk.class"].sudo().search([("code", "in", ("A", "B"))])
        )
        have = set(rules.search([("company_id", "in", companies.ids)]).company_id.ids)
        vals_list = []
        for company in companies.filtered(lambda c: c.id not in have):
            vals_list += [
                {
                    "name": _("Promise within 30 days (classes A and B)"),
                    "company_id": company.id,
                    "kind": "promise",
                    "risk_class_ids": [fields.Command.set(classes.ids)],
                    "max_days": 30,
                    "min_share": 100.0,
                },
                {
                    "name": _(
                        "Up to 6 monthly instalments and 5,000 (classes A and B)"
                    ),
                    "company_id": company.id,
                    "kind": "plan",
                    "risk_class_ids": [fields.Command.set(classes.ids)],
                    "max_days": 180,
                    "max_amount": 5000.0,
                    "max_instalments": 6,
                },
            ]
        return rules.create(vals_list)
