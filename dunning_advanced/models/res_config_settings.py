from odoo import api, fields, models

from .res_company import RISK_WEIGHT_FIELDS

# Plain fields written together by set_values(): the company checks that the
# weights add up to 100 and that thresholds rise, which a field-by-field write
# of related fields would break half-way.
RISK_SETTINGS = [
    *RISK_WEIGHT_FIELDS.values(),
    "risk_class_b_threshold",
    "risk_class_c_threshold",
    "risk_class_d_threshold",
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_hold_enforced = fields.Boolean(
        related="company_id.credit_hold_enforced", readonly=False
    )
    credit_warning_percent = fields.Float(
        related="company_id.credit_warning_percent", readonly=False
    )
    credit_warning_overdue_days = fields.Integer(
        related="company_id.credit_warning_overdue_days", readonly=False
    )
    credit_hold_overdue_days = fields.Integer(
        related="company_id.credit_hold_overdue_days", readonly=False
    )
    credit_overdue_tolerance = fields.Monetary(
        related="company_id.credit_overdue_tolerance", readonly=False
    )
    risk_weight_days_late = fields.Integer(string="Days Late")
    risk_weight_late_share = fields.Integer(string="Share Paid Late")
    risk_weight_overdue_ratio = fields.Integer(string="Overdue Ratio")
    risk_weight_limit_usage = fields.Integer(string="Limit Usage")
    risk_weight_dunning_level = fields.Integer(string="Dunning Level")
    risk_weight_broken_promises = fields.Integer(string="Broken Promises")
    risk_weight_external_rating = fields.Integer(string="External Rating")
    risk_class_b_threshold = fields.Float(string="Class B From Score")
    risk_class_c_threshold = fields.Float(string="Class C From Score")
    risk_class_d_threshold = fields.Float(string="Class D From Score")
    risk_days_late_full = fields.Integer(
        related="company_id.risk_days_late_full", readonly=False
    )
    risk_dunning_level_full = fields.Integer(
        related="company_id.risk_dunning_level_full", readonly=False
    )
    risk_broken_promises_full = fields.Integer(
        related="company_id.risk_broken_promises_full", readonly=False
    )
    prescription_horizon_days = fields.Integer(
        related="company_id.prescription_horizon_days", readonly=False
    )
    prescription_lead_days = fields.Integer(
        related="company_id.prescription_lead_days", readonly=False
    )
    prescription_user_id = fields.Many2one(
        related="company_id.prescription_user_id", readonly=False
    )

    dunning_bank_id = fields.Many2one(
        related="company_id.dunning_bank_id",
        readonly=False,
        domain="[('partner_id.ref_company_ids', 'in', [company_id])]",
    )
    dunning_rf_reference = fields.Boolean(
        related="company_id.dunning_rf_reference", readonly=False
    )
    dunning_sdd_creditor_identifier = fields.Char(
        related="company_id.dunning_sdd_creditor_identifier", readonly=False
    )
    dunning_sdd_pain_version = fields.Selection(
        related="company_id.dunning_sdd_pain_version", readonly=False
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        company = self.env.company
        res.update({fname: company[fname] for fname in RISK_SETTINGS})
        return res

    def set_values(self):
        res = super().set_values()
        company = self.company_id
        vals = {
            fname: self[fname]
            for fname in RISK_SETTINGS
            if self[fname] != company[fname]
        }
        if vals:
            company.write(vals)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        """The pagoPA settings check one another (the aux digit and its code,
        what is required once enabled): written field by field, as related
        fields are, the first write fails half-way ("aux digit 3 needs it"
        while the segregation code waits its turn). They go to the company in
        one write, checked once."""
        pagopa = {
            name: field.related.split(".", 1)[1]
            for name, field in self._fields.items()
            if field.related and field.related.startswith("company_id.pagopa_")
        }
        batches = [
            {pagopa[name]: vals.pop(name) for name in list(vals) if name in pagopa}
            for vals in vals_list
        ]
        records = super().create(vals_list)
        for record, values in zip(records, batches, strict=True):
            company = record.company_id
            changed = {
                fname: value
                for fname, value in values.items()
                if company._fields[fname].convert_to_write(company[fname], company)
                != value
            }
            if changed:
                company.write(changed)
        return records

    risk_min_history = fields.Integer(
        related="company_id.risk_min_history", readonly=False
    )
    risk_unrated_class = fields.Selection(
        related="company_id.risk_unrated_class", readonly=False
    )
    risk_floor_legal = fields.Selection(
        related="company_id.risk_floor_legal", readonly=False
    )
    risk_floor_hold = fields.Selection(
        related="company_id.risk_floor_hold", readonly=False
    )

    pagopa_enabled = fields.Boolean(related="company_id.pagopa_enabled", readonly=False)
    pagopa_creditor_fiscal_code = fields.Char(
        related="company_id.pagopa_creditor_fiscal_code", readonly=False
    )
    pagopa_aux_digit = fields.Selection(
        related="company_id.pagopa_aux_digit", readonly=False
    )
    pagopa_segregation_code = fields.Char(
        related="company_id.pagopa_segregation_code", readonly=False
    )
    pagopa_application_code = fields.Char(
        related="company_id.pagopa_application_code", readonly=False
    )
    pagopa_cbill = fields.Char(related="company_id.pagopa_cbill", readonly=False)
    pagopa_iban = fields.Char(related="company_id.pagopa_iban", readonly=False)
    pagopa_postal_account = fields.Char(
        related="company_id.pagopa_postal_account", readonly=False
    )
    pagopa_postal_account_holder = fields.Char(
        related="company_id.pagopa_postal_account_holder", readonly=False
    )
    pagopa_postal_authorisation = fields.Char(
        related="company_id.pagopa_postal_authorisation", readonly=False
    )
    pagopa_creditor_info = fields.Char(
        related="company_id.pagopa_creditor_info", readonly=False
    )
    pagopa_taxonomy = fields.Char(related="company_id.pagopa_taxonomy", readonly=False)
    pagopa_environment = fields.Selection(
        related="company_id.pagopa_environment", readonly=False
    )
    pagopa_gpd_url = fields.Char(related="company_id.pagopa_gpd_url", readonly=False)
    pagopa_receipts_url = fields.Char(
        related="company_id.pagopa_receipts_url", readonly=False
    )
    pagopa_subscription_key = fields.Char(
        related="company_id.pagopa_subscription_key",
        readonly=False,
        groups="dunning_advanced.group_dunning_credit_manager",
    )
    pagopa_journal_id = fields.Many2one(
        related="company_id.pagopa_journal_id", readonly=False
    )
    pagopa_checkout_url = fields.Char(
        related="company_id.pagopa_checkout_url", readonly=False
    )
    pagopa_checkout_key = fields.Char(
        related="company_id.pagopa_checkout_key",
        readonly=False,
        groups="dunning_advanced.group_dunning_credit_manager",
    )


class ResConfigSettingsCollection(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_collection_writeoff_account_id = fields.Many2one(
        related="company_id.dunning_collection_writeoff_account_id", readonly=False
    )


class ResConfigSettingsDunningEngine(models.TransientModel):
    """Who answers reminders, how formal notices go by PEC, how long emails
    wait for their pagoPA notice."""

    _inherit = "res.config.settings"

    dunning_contact_name = fields.Char(
        related="company_id.dunning_contact_name", readonly=False
    )
    dunning_contact_phone = fields.Char(
        related="company_id.dunning_contact_phone", readonly=False
    )
    dunning_contact_email = fields.Char(
        related="company_id.dunning_contact_email", readonly=False
    )
    dunning_pec_email_from = fields.Char(
        related="company_id.dunning_pec_email_from", readonly=False
    )
    dunning_pec_mail_server_id = fields.Many2one(
        related="company_id.dunning_pec_mail_server_id", readonly=False
    )
    pagopa_email_wait_hours = fields.Integer(
        related="company_id.pagopa_email_wait_hours", readonly=False
    )
