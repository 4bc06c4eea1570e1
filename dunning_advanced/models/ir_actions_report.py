from odoo import models

from .res_partner_statement import STATEMENT_REPORT


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """The customer statement is drawn by reportlab, not by wkhtmltopdf:
        so an email template can attach it like any report."""
        report = self._get_report(report_ref)
        if report.report_name != STATEMENT_REPORT:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if isinstance(res_ids, int):
            res_ids = [res_ids]
        partners = self.env["res.partner"].browse(res_ids or []).exists()
        partners._check_statement_rights()
        partners.check_access("read")
        company_id = self.env.context.get("dunning_statement_company_id")
        company = (
            self.env["res.company"].browse(company_id)
            if company_id in self.env.user.company_ids.ids
            else self.env.company
        )
        pdf = self.env["res.partner"].sudo()._dunning_statement_pdf(partners, company)
        return pdf, "pdf"
