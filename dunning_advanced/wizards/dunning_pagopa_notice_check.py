from odoo import _, api, fields, models

from ..lib.pagopa import (
    format_notice_code_groups,
    iuv_from_notice_code,
    validate_notice_code,
)


class DunningPagopaNoticeCheck(models.TransientModel):
    """Check a notice code typed by a customer or read off a notice: says
    which part is wrong (length, digits, aux digit, segregation code, check
    digits) and finds the notice it belongs to."""

    _name = "dunning.pagopa.notice.check"
    _description = "Check a pagoPA Notice Code"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    code = fields.Char(string="Notice Code", help="18 digits; spaces are ignored.")
    valid = fields.Boolean(compute="_compute_result")
    result = fields.Char(compute="_compute_result")
    iuv = fields.Char(string="IUV", compute="_compute_result")
    notice_id = fields.Many2one(
        "dunning.pagopa.notice", compute="_compute_result", string="Notice"
    )

    @api.depends("code", "company_id")
    def _compute_result(self):
        Notice = self.env["dunning.pagopa.notice"]
        for wizard in self:
            wizard.valid = False
            wizard.iuv = False
            wizard.notice_id = False
            if not (wizard.code or "").strip():
                wizard.result = _("Type the 18-digit notice code.")
                continue
            company = wizard.company_id
            segregation = (
                company.pagopa_segregation_code
                if company.pagopa_aux_digit == "3" and company.pagopa_segregation_code
                else None
            )
            try:
                validate_notice_code(wizard.code, segregation)
            except ValueError as error:
                wizard.result = str(error)
                continue
            compact = "".join(wizard.code.split())
            wizard.valid = True
            wizard.iuv = iuv_from_notice_code(compact)
            wizard.notice_id = Notice.search(
                [("company_id", "=", company.id), ("notice_code", "=", compact)],
                limit=1,
            )
            wizard.result = (
                _(
                    "%(code)s is a valid notice code: notice of %(partner)s, "
                    "%(state)s.",
                    code=format_notice_code_groups(compact),
                    partner=wizard.notice_id.partner_id.display_name,
                    state=dict(
                        wizard.notice_id._fields["state"]._description_selection(
                            self.env
                        )
                    )[wizard.notice_id.state],
                )
                if wizard.notice_id
                else _(
                    "%s is a valid notice code, but no notice of this company has it.",
                    format_notice_code_groups(compact),
                )
            )
