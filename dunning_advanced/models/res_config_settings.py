from odoo import fields, models


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
    risk_weight_days_late = fields.Integer(
        related="company_id.risk_weight_days_late", readonly=False
    )
    risk_weight_late_share = fields.Integer(
        related="company_id.risk_weight_late_share", readonly=False
    )
    risk_weight_overdue_ratio = fields.Integer(
        related="company_id.risk_weight_overdue_ratio", readonly=False
    )
    risk_weight_limit_usage = fields.Integer(
        related="company_id.risk_weight_limit_usage", readonly=False
    )
    risk_weight_dunning_level = fields.Integer(
        related="company_id.risk_weight_dunning_level", readonly=False
    )
    risk_weight_broken_promises = fields.Integer(
        related="company_id.risk_weight_broken_promises", readonly=False
    )
    risk_weight_external_rating = fields.Integer(
        related="company_id.risk_weight_external_rating", readonly=False
    )
    risk_days_late_full = fields.Integer(
        related="company_id.risk_days_late_full", readonly=False
    )
    risk_dunning_level_full = fields.Integer(
        related="company_id.risk_dunning_level_full", readonly=False
    )
    risk_broken_promises_full = fields.Integer(
        related="company_id.risk_broken_promises_full", readonly=False
    )
    risk_class_b_threshold = fields.Float(
        related="company_id.risk_class_b_threshold", readonly=False
    )
    risk_class_c_threshold = fields.Float(
        related="company_id.risk_class_c_threshold", readonly=False
    )
    risk_class_d_threshold = fields.Float(
        related="company_id.risk_class_d_threshold", readonly=False
    )
