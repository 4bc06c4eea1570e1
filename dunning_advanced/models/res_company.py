from decimal import Decimal

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.credit_hold import HoldSettings
from ..lib.epc_qr import epc_qr_payload
from ..lib.risk_score import RiskScale, RiskThresholds, RiskWeights
from ..lib.sepa_sdd import (
    PAIN_008_001_02,
    PAIN_008_001_08,
    validate_creditor_identifier,
)

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

    # Payments: EPC QR code on reminders, RF references, SEPA Direct Debit
    dunning_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Bank Account for Reminders",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        help="The account printed on reminders and in their EPC QR code, and "
        "credited by SEPA direct debits. Empty: the company's first bank account.",
    )
    dunning_rf_reference = fields.Boolean(
        string="RF Creditor References",
        help="Invoices of the sales journals get an ISO 11649 structured "
        "creditor reference (RF...) as payment reference, and reminders of "
        "several invoices one of their own in their EPC QR code.",
    )
    dunning_sdd_creditor_identifier = fields.Char(
        string="SEPA Creditor Identifier",
        help="The company's SEPA creditor identifier (AT-02), e.g. IT66ZZZ "
        "followed by the tax code, as given by the bank.",
    )
    dunning_sdd_pain_version = fields.Selection(
        [
            (PAIN_008_001_02, "pain.008.001.02 (2009)"),
            (PAIN_008_001_08, "pain.008.001.08 (2019)"),
        ],
        string="SEPA Direct Debit File Version",
        default=PAIN_008_001_02,
        required=True,
        help="The pain.008 version your bank accepts.",
    )

    # Prescription
    prescription_horizon_days = fields.Integer(
        string="Prescription Horizon (Days)",
        default=90,
        help="Invoices whose prescription ends within this many days are listed "
        "as near prescription.",
    )
    prescription_lead_days = fields.Integer(
        string="Prescription Alert (Days Before)",
        default=120,
        help="A to-do is planned for the responsible this many days before an "
        "open invoice prescribes.",
    )
    prescription_user_id = fields.Many2one(
        "res.users",
        string="Prescription Responsible",
        help="Gets the to-dos about invoices near prescription; the first credit "
        "manager of the company when empty.",
    )

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

    @api.constrains("dunning_bank_id", "name")
    def _check_dunning_bank(self):
        """The chosen account must make a valid EPC QR code (EPC069-12)."""
        for company in self.filtered("dunning_bank_id"):
            try:
                company._dunning_epc_check()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Bank account for reminders of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains("dunning_sdd_creditor_identifier")
    def _check_dunning_sdd_creditor_identifier(self):
        for company in self.filtered("dunning_sdd_creditor_identifier"):
            try:
                validate_creditor_identifier(company.dunning_sdd_creditor_identifier)
            except ValueError as error:
                raise ValidationError(
                    _(
                        "SEPA direct debit settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    def write(self, vals):
        res = super().write(vals)
        if vals.get("dunning_rf_reference"):
            self._dunning_set_rf_journals()
        return res

    def _dunning_set_rf_journals(self):
        """Odoo's own RF references (journal communication standard
        'European'): set on the sales journals of these companies."""
        journals = (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "in", self.ids), ("type", "=", "sale")])
        )
        journals.filtered(lambda j: j.invoice_reference_model != "euro").write(
            {"invoice_reference_model": "euro"}
        )

    def _dunning_bank(self):
        """The bank account of reminders and direct debits."""
        self.ensure_one()
        return self.dunning_bank_id or self.partner_id.bank_ids[:1]

    def _dunning_sdd_creditor_identifier(self):
        """The SEPA creditor identifier; UserError when it is not set."""
        self.ensure_one()
        if not self.dunning_sdd_creditor_identifier:
            raise UserError(
                _(
                    "%s has no SEPA creditor identifier: set it in the settings "
                    "(Accounting, Reminder Payments).",
                    self.name,
                )
            )
        return validate_creditor_identifier(self.dunning_sdd_creditor_identifier)

    def _dunning_epc_check(self):
        """Raise ValueError when the name or the account cannot be in an
        EPC QR code; checked with a 1 euro transfer."""
        self.ensure_one()
        bank = self._dunning_bank()
        if not bank:
            raise ValueError(_("The company has no bank account."))
        epc_qr_payload(
            self.name, bank.acc_number, Decimal("1.00"), bic=bank.bank_bic or None
        )

    @api.constrains("prescription_horizon_days", "prescription_lead_days")
    def _check_prescription_settings(self):
        for company in self:
            if (
                company.prescription_horizon_days < 0
                or company.prescription_lead_days < 0
            ):
                raise ValidationError(
                    _(
                        "Prescription settings of %s: the horizon and the alert "
                        "days must be 0 or more.",
                        company.name,
                    )
                )

    def _prescription_responsible(self):
        """Who is warned of invoices near prescription: the chosen user, or the
        credit manager of the company with the smallest id (OdooBot aside)."""
        self.ensure_one()
        if self.prescription_user_id:
            return self.prescription_user_id
        group = self.env.ref("dunning_advanced.group_dunning_credit_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.id),
                    ("company_ids", "in", self.id),
                    ("id", "!=", SUPERUSER_ID),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            )
        )

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
