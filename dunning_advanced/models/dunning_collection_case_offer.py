from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"


class DunningCollectionCaseOffer(models.Model):
    """New overdue items of a customer whose credit is in a collection case.

    The customer gets no automated reminder while its case is open; an item
    falling overdue meanwhile is offered to the case instead: the daily run
    gives the case's responsible a to-do once per item, and the case shows the
    items with a button to add them.
    """

    _inherit = "dunning.collection.case"

    new_overdue_line_ids = fields.Many2many(
        "account.move.line",
        string="New Overdue Items",
        compute="_compute_new_overdue_line_ids",
        help="Overdue items of the customer that are not in this case.",
    )
    new_overdue_count = fields.Integer(compute="_compute_new_overdue_line_ids")
    offered_line_ids = fields.Many2many(
        "account.move.line",
        "dunning_collection_case_offered_rel",
        "case_id",
        "move_line_id",
        string="Items Offered",
        readonly=True,
        copy=False,
    )

    def _compute_new_overdue_line_ids(self):
        found = self._new_overdue_lines()
        for case in self:
            lines = self.env["account.move.line"].browse(found.get(case.id, []))
            case.new_overdue_line_ids = lines
            case.new_overdue_count = len(lines)

    def _new_overdue_lines(self, today=None):
        """{case id: ids of the customer's overdue receivable lines of the
        case's company that are in no open case}, in one query."""
        cases = self.filtered(lambda c: c.id and not c.is_closed)
        if not cases:
            return {}
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT cc.id, l.id
              FROM dunning_collection_case cc
              JOIN res_partner cp ON cp.id = cc.partner_id
              JOIN res_partner p ON COALESCE(p.commercial_partner_id, p.id) = cp.id
              JOIN account_move_line l ON l.partner_id = p.id
                                      AND l.company_id = cc.company_id
              JOIN account_account a ON a.id = l.account_id
             WHERE cc.id = ANY(%(cases)s)
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND NOT l.reconciled
               AND l.amount_residual > 0
               AND COALESCE(l.date_maturity, l.date) < %(today)s
               AND NOT EXISTS (
                    SELECT 1 FROM dunning_collection_case_line ccl
                      JOIN dunning_collection_case oc ON oc.id = ccl.case_id
                     WHERE ccl.move_line_id = l.id
                       AND NOT COALESCE(oc.is_closed, FALSE))
          ORDER BY cc.id, l.id
                """,
                cases=cases.ids,
                today=today or cases.company_id[:1]._dunning_today(),
            )
        )
        result = {}
        for case_id, line_id in rows:
            result.setdefault(case_id, []).append(line_id)
        return result

    def action_add_new_overdue(self):
        """Add the customer's new overdue items to this case."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(
                _("Only Credit Managers can add invoices to a collection case.")
            )
        self._check_open()
        lines = self.new_overdue_line_ids
        if lines:
            self.sudo()._open_or_update(
                self.partner_id, self.company_id, lines, origin="manual"
            )
        self.invalidate_recordset(["new_overdue_line_ids", "new_overdue_count"])
        return True

    @api.model
    def _dunning_before_run(self, company, today):
        """After the payments, offer each case the items fallen overdue."""
        res = super()._dunning_before_run(company, today)
        cases = self.sudo().search(
            [("company_id", "=", company.id), ("is_closed", "=", False)]
        )
        found = cases._new_overdue_lines(today)
        for case in cases:
            new = set(found.get(case.id, [])) - set(case.offered_line_ids.ids)
            if not new:
                continue
            lines = self.env["account.move.line"].browse(sorted(new))
            case.write({"offered_line_ids": [Command.link(i) for i in lines.ids]})
            case.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                user_id=(case.user_id or company._dunning_credit_manager()).id,
                summary=_(
                    "%(count)s new overdue items of %(customer)s: "
                    "add them to %(case)s?",
                    count=len(lines),
                    customer=case.partner_id.name,
                    case=case.name,
                ),
                note=", ".join(lines.move_id.mapped("name")),
            )
        return res
