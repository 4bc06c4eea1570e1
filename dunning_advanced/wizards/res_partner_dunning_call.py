from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.dunning_contact import CALL_OUTCOMES
from ..models.dunning_worklist import CALL_MODELS


class ResPartnerDunningCall(models.TransientModel):
    """A collector logs a call with a customer: its outcome, a promise to pay
    if one was made, when to call again. The customer's calls due are done."""

    _name = "res.partner.dunning.call"
    _description = "Log a Call with a Customer"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    outcome = fields.Selection(CALL_OUTCOMES, required=True, default="promise")
    note = fields.Text()
    promise_move_ids = fields.Many2many(
        "account.move",
        string="Invoices Promised",
        compute="_compute_promise_move_ids",
        store=True,
        readonly=False,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), "
        "('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id)]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    promise_amount = fields.Monetary(
        string="Promised Amount",
        compute="_compute_promise_amount",
        store=True,
        readonly=False,
    )
    promise_date = fields.Date(
        string="Will Pay By",
        default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
    )
    next_call_date = fields.Date(
        string="Call Again On",
        help="A call to-do for the customer's collector on that day.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_promise_move_ids(self):
        for wizard in self:
            wizard.promise_move_ids = wizard.partner_id.with_company(
                wizard.company_id
            )._dunning_overdue_invoices(wizard.company_id)

    @api.depends("promise_move_ids", "company_id")
    def _compute_currency_id(self):
        for wizard in self:
            wizard.currency_id = (
                wizard.promise_move_ids[:1].currency_id or wizard.company_id.currency_id
            )

    @api.depends("promise_move_ids")
    def _compute_promise_amount(self):
        for wizard in self:
            wizard.promise_amount = sum(
                wizard.promise_move_ids.mapped("amount_residual")
            )

    def action_confirm(self):
        self.ensure_one()
        Contact = self.env["dunning.contact"]
        Contact._check_dunning_user()
        partner = self.partner_id.commercial_partner_id
        today = fields.Date.context_today(self)
        promise = self.env["dunning.promise"]
        if self.outcome == "promise":
            promise = self._create_promise(partner, today)
        Contact.create(
            {
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "kind": "call",
                "outcome": self.outcome,
                "note": self.note,
                "promise_id": promise.id,
            }
        )
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        body = _("Call logged: %s.", labels[self.outcome])
        lines = [body, *([self.note] if self.note else [])]
        self._calls_due(partner, today).action_feedback(feedback="\n".join(lines))
        partner.sudo().message_post(
            body=Markup("<br/>").join(lines),
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        if self.next_call_date:
            if self.next_call_date < today:
                raise UserError(_("Call again on a day from today on."))
            partner.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.next_call_date,
                user_id=partner._dunning_responsible(self.company_id).id,
                summary=_("Call back %s", partner.display_name),
                note=self.note or "",
            )
        if self.outcome == "dispute":
            return partner.with_company(self.company_id).action_dunning_new_dispute()
        if self.env.context.get("dunning_worklist_return"):
            return self.env["dunning.worklist"].action_open_today()
        return {"type": "ir.actions.act_window_close"}

    def _create_promise(self, partner, today):
        if not self.promise_move_ids:
            raise UserError(_("Choose the invoices the customer promised to pay."))
        if not self.promise_date or self.promise_date < today:
            raise UserError(_("A promise to pay is for a day from today on."))
        return (
            self.env["dunning.promise"]
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(self.promise_move_ids.ids)],
                    "promise_date": today,
                    "date": self.promise_date,
                    "amount": self.promise_amount,
                    "user_id": self.env.user.id,
                    "note": self.note,
                }
            )
        )

    def _calls_due(self, partner, today):
        """Call to-dos due on the customer and on its collection records."""
        Activity = self.env["mail.activity"].sudo()
        activities = Activity
        for model, (_table, column, company_column) in CALL_MODELS.items():
            domain = [(column, "=", partner.id)]
            if company_column:
                domain.append((company_column, "=", self.company_id.id))
            records = self.env[model].sudo().with_context(active_test=False)
            activities |= Activity.search(
                [
                    ("res_model", "=", model),
                    ("res_id", "in", records._search(domain)),
                    ("activity_category", "=", "phonecall"),
                    ("date_deadline", "<=", today),
                ]
            )
        return activities
