from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.sepa_sdd import (
    MAX_ID_LENGTH,
    SEPA_LATIN,
    SEPA_LATIN_TEXT,
    same_debtor_agent,
    validate_bic,
    validate_sepa_iban,
)

# SEPA Direct Debit rulebooks: a mandate not used for 36 months expires.
EXPIRY_MONTHS = 36


class DunningSddMandate(models.Model):
    """A SEPA Direct Debit mandate signed by a customer.

    The unique mandate reference (UMR, AT-01) and the date of signature (AT-25)
    go into every collection; the first collection under a mandate is FRST,
    the next ones RCUR (a one-off mandate, OOFF, is used once). A mandate not
    used for 36 months expires.
    """

    _name = "dunning.sdd.mandate"
    _description = "SEPA Direct Debit Mandate"
    _inherit = ["mail.thread"]
    _order = "signature_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Mandate Reference",
        required=True,
        tracking=True,
        help="Unique mandate reference (UMR): at most 35 letters, digits and "
        "/ - ? : ( ) . , ' + space.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        check_company=True,
    )
    partner_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Debtor Account",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    signature_date = fields.Date(required=True, tracking=True)
    scheme = fields.Selection(
        [("CORE", "CORE (consumers and businesses)"), ("B2B", "B2B (businesses)")],
        required=True,
        default="CORE",
        tracking=True,
    )
    recurrence = fields.Selection(
        [("recurrent", "Recurrent"), ("oneoff", "One-off")],
        required=True,
        default="recurrent",
    )
    sequence_type = fields.Selection(
        [
            ("FRST", "First (FRST)"),
            ("RCUR", "Recurrent (RCUR)"),
            ("OOFF", "One-off (OOFF)"),
        ],
        string="Next Sequence Type",
        compute="_compute_sequence_type",
        store=True,
        readonly=False,
        tracking=True,
        help="FRST until a first collection is confirmed, RCUR afterwards.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("revoked", "Revoked"),
            ("expired", "Expired"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    last_debit_date = fields.Date(
        readonly=True, copy=False, help="Date of the last confirmed collection."
    )
    batch_line_ids = fields.One2many("dunning.sdd.batch.line", "mandate_id")
    # Amendment (AT-24): the mandate stays the same when the customer moves it
    # to another account; the next collection says so (AmdmntInd).
    original_iban = fields.Char(
        string="Amended From IBAN",
        readonly=True,
        copy=False,
        help="The account the mandate was used on before it was changed; sent "
        "with the next collection as the amendment of the mandate.",
    )
    original_bic = fields.Char(string="Amended From BIC", readonly=True, copy=False)
    amendment_date = fields.Date(
        string="Amended On",
        readonly=True,
        copy=False,
        help="Until a collection on the new account is collected, each one "
        "carries the amendment indicator.",
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A mandate reference must be unique in the company.",
        )
    ]

    @api.depends("recurrence")
    def _compute_sequence_type(self):
        for mandate in self:
            if mandate.recurrence == "oneoff":
                mandate.sequence_type = "OOFF"
            elif mandate.sequence_type not in ("FRST", "RCUR"):
                mandate.sequence_type = "FRST"

    @api.constrains("name")
    def _check_name(self):
        for mandate in self:
            name = mandate.name or ""
            wrong = sorted({c for c in name if c not in SEPA_LATIN})
            if len(name) > MAX_ID_LENGTH or wrong or name != name.strip():
                raise ValidationError(
                    _(
                        "Mandate reference %(name)s is not valid: at most "
                        "%(max)s characters among %(allowed)s, no space at the "
                        "start or end.",
                        name=name,
                        max=MAX_ID_LENGTH,
                        allowed=SEPA_LATIN_TEXT,
                    )
                )

    @api.constrains("partner_bank_id", "partner_id")
    def _check_partner_bank(self):
        for mandate in self:
            bank = mandate.partner_bank_id
            if bank.partner_id.commercial_partner_id != (
                mandate.partner_id.commercial_partner_id
            ):
                raise ValidationError(
                    _(
                        "Account %(account)s belongs to %(owner)s, not to "
                        "%(customer)s.",
                        account=bank.acc_number,
                        owner=bank.partner_id.display_name,
                        customer=mandate.partner_id.display_name,
                    )
                )
            try:
                validate_sepa_iban(bank.acc_number, _("Debtor IBAN"))
                if bank.bank_bic:
                    validate_bic(bank.bank_bic, _("Debtor BIC"))
            except ValueError as error:
                raise ValidationError(
                    _("Mandate %(name)s: %(error)s", name=mandate.name, error=error)
                ) from error

    @api.constrains("signature_date")
    def _check_signature_date(self):
        today = fields.Date.context_today(self)
        for mandate in self:
            if mandate.signature_date > today:
                raise ValidationError(
                    _("Mandate %s cannot be signed in the future.", mandate.name)
                )

    def write(self, vals):
        """A used mandate moved to another account is amended, not replaced:
        the first account it was used on is remembered for the amendment."""
        if "partner_bank_id" in vals:
            today = fields.Date.context_today(self)
            for mandate in self.filtered(
                lambda m: m.last_debit_date
                and m.partner_bank_id.id != vals["partner_bank_id"]
            ):
                pending = mandate._amendment_pending()
                mandate.sudo().with_context(tracking_disable=True).write(
                    {
                        "original_iban": mandate.original_iban
                        if pending
                        else mandate.partner_bank_id.acc_number,
                        "original_bic": mandate.original_bic
                        if pending
                        else mandate.partner_bank_id.bank_bic,
                        "amendment_date": today,
                    }
                )
        return super().write(vals)

    def _amendment_pending(self):
        """Whether the next collection must carry the amendment (AT-24): the
        account changed after the last collection collected."""
        self.ensure_one()
        return bool(
            self.amendment_date
            and self.original_iban
            and (
                not self.last_debit_date or self.last_debit_date <= self.amendment_date
            )
        )

    def _amendment_values(self):
        """The amendment fields of a collection under this mandate."""
        self.ensure_one()
        if not self._amendment_pending():
            return {}
        bank = self.partner_bank_id
        return {
            "original_debtor_iban": self.original_iban,
            "original_debtor_agent_changed": not same_debtor_agent(
                self.original_iban,
                self.original_bic or None,
                bank.acc_number,
                bank.bank_bic or None,
            ),
        }

    def action_activate(self):
        for mandate in self:
            if mandate.state != "draft":
                raise UserError(_("Only a draft mandate can be activated."))
            mandate.company_id._dunning_sdd_creditor_identifier()
        self.write({"state": "active"})
        return True

    def action_revoke(self):
        if self.filtered(lambda m: m.state not in ("draft", "active")):
            raise UserError(_("Only a draft or active mandate can be revoked."))
        self.write({"state": "revoked"})
        return True

    def _expiry_date(self):
        self.ensure_one()
        return (self.last_debit_date or self.signature_date) + relativedelta(
            months=EXPIRY_MONTHS
        )

    @api.model
    def _cron_expire_mandates(self):
        """Expire active mandates unused for 36 months (SDD rulebooks)."""
        limit = fields.Date.context_today(self) - relativedelta(months=EXPIRY_MONTHS)
        mandates = self.sudo().search(
            [
                ("state", "=", "active"),
                "|",
                ("last_debit_date", "<", limit),
                "&",
                ("last_debit_date", "=", False),
                ("signature_date", "<", limit),
            ]
        )
        mandates.write({"state": "expired"})
        return mandates

    @api.model
    def _active_for(self, partners, company):
        """{commercial partner: newest active mandate} in ``company``."""
        self._cron_expire_mandates()
        mandates = self.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("state", "=", "active"),
            ],
            order="signature_date desc, id desc",
        )
        result = {}
        for mandate in mandates:
            result.setdefault(mandate.partner_id.commercial_partner_id, mandate)
        return result
