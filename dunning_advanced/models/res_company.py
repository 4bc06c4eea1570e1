from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.credit_hold import HoldSettings
from ..lib.risk_score import RiskScale, RiskThresholds, RiskWeights

RISK_WEIGHT_FIELDS = {
    "days_late": "risk_weight_days_late",
    "late_share": "risk_weight_late_share",
    "overdue_ratio": "risk_weight_overdue_ratio",
    "limit_usage": "risk_weight_limit_usage",
    "dunning_level": "risk_weight_dunning_level",
    "broken_promises": "risk_weight_broken_promises",
    "external_rating": "risk_weight_external_rating",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    # Credit holds
    credit_hold_enforced = fields.Boolean(
        string="Enforce Credit Holds",
        default=True,
        help="Block confirming sale orders and posting customer invoices of "
        "customers on credit hold.",
    )
    credit_warning_percent = fields.Float(
        string="Warning at % of Limit",
        default=90.0,
        help="A customer whose exposure exceeds this share of its credit limit "
        "gets a warning. 0 disables the warning.",
    )
    credit_warning_overdue_days = fields.Integer(
        string="Warning After Days Overdue",
        default=15,
        help="A customer with an invoice overdue by more days than this gets a "
        "warning. 0 disables it.",
    )
    credit_overdue_tolerance = fields.Monetary(
        string="Overdue Tolerance",
        currency_field="currency_id",
        default=5.0,
        help="Open items of this amount or less (in company currency) do not count "
        "when looking for the oldest overdue invoice: a few cents left by a "
        "payment do not put a customer on hold.",
    )
    credit_hold_overdue_days = fields.Integer(
        string="Hold After Days Overdue",
        default=60,
        help="A customer with an invoice overdue by more days than this is put on "
        "hold. 0 disables it.",
    )

    # Risk score: weights add up to 100
    risk_weight_days_late = fields.Integer(string="Weight: Days Late", default=25)
    risk_weight_late_share = fields.Integer(
        string="Weight: Share Paid Late", default=20
    )
    risk_weight_overdue_ratio = fields.Integer(
        string="Weight: Overdue Ratio", default=20
    )
    risk_weight_limit_usage = fields.Integer(string="Weight: Limit Usage", default=10)
    risk_weight_dunning_level = fields.Integer(
        string="Weight: Dunning Level", default=10
    )
    risk_weight_broken_promises = fields.Integer(
        string="Weight: Broken Promises", default=10
    )
    risk_weight_external_rating = fields.Integer(
        string="Weight: External Rating", default=5
    )
    risk_days_late_full = fields.Integer(
        string="Days Late for Full Risk",
        default=60,
        help="An average delay of this many days or more counts as the full risk "
        "for the days-late factor.",
    )
    risk_dunning_level_full = fields.Integer(
        string="Dunning Level for Full Risk", default=4
    )
    risk_broken_promises_full = fields.Integer(
        string="Broken Promises for Full Risk", default=3
    )
    risk_class_b_threshold = fields.Float(string="Class B From Score", default=25.0)
    risk_class_c_threshold = fields.Float(string="Class C From Score", default=50.0)
    risk_class_d_threshold = fields.Float(string="Class D From Score", default=75.0)

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["dunning.policy"]._ensure_default_policies(companies)
        return companies

    @api.constrains(*RISK_WEIGHT_FIELDS.values())
    def _check_risk_weights(self):
        for company in self:
            try:
                company._risk_weights().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Risk score settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains(
        "risk_days_late_full",
        "risk_dunning_level_full",
        "risk_broken_promises_full",
        "risk_class_b_threshold",
        "risk_class_c_threshold",
        "risk_class_d_threshold",
    )
    def _check_risk_scale(self):
        for company in self:
            try:
                company._risk_scale().validate()
                company._risk_thresholds().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Risk score settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains(
        "credit_warning_percent",
        "credit_warning_overdue_days",
        "credit_hold_overdue_days",
    )
    def _check_credit_hold_settings(self):
        for company in self:
            try:
                company._credit_hold_settings().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Credit hold settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    def _risk_weights(self):
        self.ensure_one()
        return RiskWeights(
            **{code: self[fname] for code, fname in RISK_WEIGHT_FIELDS.items()}
        )

    def _risk_scale(self):
        self.ensure_one()
        return RiskScale(
            days_late_full=self.risk_days_late_full,
            dunning_level_full=self.risk_dunning_level_full,
            broken_promises_full=self.risk_broken_promises_full,
        )

    def _risk_thresholds(self):
        self.ensure_one()
        return RiskThresholds(
            b=self.risk_class_b_threshold,
            c=self.risk_class_c_threshold,
            d=self.risk_class_d_threshold,
        )

    def _credit_hold_settings(self):
        self.ensure_one()
        return HoldSettings(
            warning_percent=self.credit_warning_percent,
            warning_overdue_days=self.credit_warning_overdue_days,
            hold_overdue_days=self.credit_hold_overdue_days,
        )


class ResCompanyCollection(models.Model):
    _inherit = "res.company"

    dunning_collection_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Collection Write-off Account",
        help="Expense account debited when a collection case is settled for less "
        "or written off (e.g. losses on receivables).",
    )
