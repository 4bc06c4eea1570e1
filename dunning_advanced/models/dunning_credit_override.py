from odoo import _, api, fields, models
from odoo.exceptions import AccessError

DOCUMENT_MODELS = [("sale.order", "Sale Order"), ("account.move", "Invoice")]


class DunningCreditOverride(models.Model):
    """Audit log of what credit managers did to holds: never edited, never deleted."""

    _name = "dunning.credit.override"
    _description = "Credit Hold Override"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    override_type = fields.Selection(
        [
            ("hold", "Put on Hold"),
            ("release", "Hold Released"),
            ("approve", "Document Approved"),
        ],
        string="Type",
        required=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    reason = fields.Text(required=True, readonly=True)
    document_ref = fields.Reference(DOCUMENT_MODELS, string="Document", readonly=True)
    amount = fields.Monetary(
        string="Approved Amount",
        readonly=True,
        help="Document total approved; a larger total needs a new approval.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    release_until = fields.Date(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        """Entries come from the actions that hold, release and approve (as
        superuser, once they checked the credit manager's right), never from a
        user's create: who and when are those of the action, not given."""
        if not self.env.su:
            raise AccessError(
                _(
                    "The credit override log is written by the Put on Hold, "
                    "Release Hold and Approve actions only."
                )
            )
        now = fields.Datetime.now()
        for vals in vals_list:
            vals["date"] = now
            vals.setdefault("user_id", self.env.uid)
        return super().create(vals_list)

    @api.depends("override_type", "partner_id", "document_ref")
    def _compute_name(self):
        labels = dict(self._fields["override_type"]._description_selection(self.env))
        for override in self:
            target = override.document_ref or override.partner_id
            override.name = "%s: %s" % (
                labels.get(override.override_type, ""),
                target.display_name if target else "",
            )

    def action_open_document(self):
        """The sale order or invoice this override approved."""
        self.ensure_one()
        document = self.document_ref
        if not document:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
