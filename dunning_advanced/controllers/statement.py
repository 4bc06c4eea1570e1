from odoo import http
from odoo.http import content_disposition, request


class DunningStatementController(http.Controller):
    @http.route("/dunning/statements/<string:ids>", type="http", auth="user")
    def dunning_statements(self, ids, company_id=None, **kwargs):
        """The statements of customers as one PDF, in the given company (the
        user's current one by default). Dunning Users only; the customers are
        read as the user."""
        try:
            partner_ids = [int(part) for part in ids.split(",") if part]
            company_id = int(company_id) if company_id else None
        except ValueError:
            return request.not_found()
        env = request.env
        env["res.partner"]._check_statement_rights()
        partners = env["res.partner"].browse(partner_ids).exists()
        if not partners:
            return request.not_found()
        partners.check_access("read")
        company = env.company
        if company_id:
            if company_id not in env.user.company_ids.ids:
                return request.not_found()
            company = env["res.company"].browse(company_id)
        pdf = env["res.partner"].sudo()._dunning_statement_pdf(partners, company)
        name = (
            "%s.pdf" % partners[:1]._dunning_statement_file_name()
            if len(partners) == 1
            else "statements.pdf"
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(name)),
            ],
        )
