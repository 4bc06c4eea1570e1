from odoo import _, api, fields, models
from odoo.exceptions import AccessError

CONTACT_KINDS = [("call", "Call"), ("snooze", "Snoozed")]
CALL_OUTCOMES = [
    ("promise", "Promised to Pay"),
    ("paid", "Says It Has Paid"),
    ("dispute", "Contests an Invoice"),
    ("callback", "Call Back Later"),
    ("refused", "Refuses to Pay"),
    ("no_answer", "No Answer"),
    ("wrong_number", "Wrong Number"),
]


class DunningContact(models.Model):
    """What a collector did about a customer: a call and its outcome, or the
    customer set aside until a day.

    The log of the worklist (**Today**): what happened to a customer before its
    last contact does not bring it back, a snooze hides it until its day, and
    calls per collector are counted from here. Written by the *Log a Call* and
    *Snooze* dialogs, never changed afterwards.
    """

    _name = "dunning.contact"
    _description = "Contact with a Customer about Collections"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
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
    kind = fields.Selection(CONTACT_KINDS, required=True, readonly=True)
    outcome = fields.Selection(CALL_OUTCOMES, readonly=True)
    snooze_until = fields.Date(
        readonly=True, help="The customer stays off the worklist until this day."
    )
    note = fields.Text(readonly=True)
    promise_id = fields.Many2one(
        "dunning.promise", string="Promise", readonly=True, check_company=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_dunning_user()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_("A contact with a customer is never changed."))
        return super().write(vals)

    @api.model
    def _check_dunning_user(self):
        self.env["res.partner"]._check_dunning_user(
            _("log calls with customers or set them aside")
        )
