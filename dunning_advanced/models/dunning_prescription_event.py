"""Prescription of customer invoices (art. 2934 ff. c.c.), the Odoo side of
lib/prescription.py.

Which term an invoice gets: each product line takes its product category's
term; a line without one (or without product) takes the journal's term, and
an empty journal term means ordinary (10 years). When the lines differ, the
invoice takes the term that ends first: the creditor is warned of the earliest
possible prescription, so nothing expires unnoticed. The 2-year utility term of
Legge 205/2017 applies to individuals and to companies marked as
micro-enterprises; other companies' utility bills are periodic supplies
(5 years, art. 2948 n. 4 c.c.). The term runs from the first due date.
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from ..lib.prescription import ORDINARY, PERIODIC, UTILITY_CONSUMER

_logger = logging.getLogger(__name__)

# Prescription term of an invoice, set on journals and product categories.
# The utility terms name the sector because Legge 205/2017 (art. 1 c. 10) gave
# the 2-year term to each sector from a different date (lib/prescription.py).
PRESCRIPTION_TERMS = [
    ("ordinary", "Ordinary: 10 years (art. 2946 c.c.)"),
    (
        "periodic",
        "Periodic payments: 5 years (art. 2948 c.c.): rents, subscriptions, "
        "telephone and internet",
    ),
    ("utility_electricity", "Electricity: 2 years for consumers (L. 205/2017)"),
    ("utility_gas", "Gas: 2 years for consumers (L. 205/2017)"),
    ("utility_water", "Water: 2 years for consumers (L. 205/2017)"),
]

# Kinds of interruption (art. 2943-2944 c.c.) and whether they need a proof.
EVENT_KINDS = [
    ("formal_notice", "Formal Notice Received"),
    ("acknowledgement", "Acknowledgement of Debt"),
    ("legal_act", "Legal Act Served"),
    ("other", "Other"),
]
KINDS_NEEDING_PROOF = ("formal_notice", "acknowledgement", "legal_act")


def prescription_category(term, short_utility_customer):
    """(category, sector) of lib.prescription for a ``PRESCRIPTION_TERMS`` value.

    The 2-year term of Legge 205/2017 covers domestic users, professionals and
    micro-enterprises only; any other customer's utility bill is a periodic
    supply (art. 2948 n. 4 c.c., 5 years).
    """
    if term == "periodic":
        return PERIODIC, None
    if term and term.startswith("utility_"):
        if short_utility_customer:
            return UTILITY_CONSUMER, term.removeprefix("utility_")
        return PERIODIC, None
    return ORDINARY, None


class DunningPrescriptionEvent(models.Model):
    """An act that interrupted the prescription of one or more invoices.

    Art. 2943-2945 c.c.: the receipt of a formal demand, an acknowledgement of
    the debt, a judicial act served start the full term again from their date.
    A reminder sent is not enough: only its proven receipt interrupts.
    """

    _name = "dunning.prescription.event"
    _description = "Prescription Interruption"
    _inherit = ["mail.thread", "dunning.batch.job.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_prescription_event_move_rel",
        "event_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    date = fields.Date(
        required=True,
        tracking=True,
        default=fields.Date.context_today,
        help="The day the act took effect: the day the debtor received the formal "
        "notice (not the day it was sent), signed the acknowledgement, or was "
        "served the claim.",
    )
    kind = fields.Selection(EVENT_KINDS, required=True, tracking=True)
    proof_attachment_ids = fields.Many2many(
        "ir.attachment",
        "dunning_prescription_event_attachment_rel",
        "event_id",
        "attachment_id",
        string="Proof",
        help="PEC delivery receipt, signed return receipt, the signed "
        "acknowledgement or the served act. Required except for 'Other'.",
    )
    note = fields.Text()
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="Reminder",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        help="The formal notice whose receipt this event records.",
    )

    _sql_constraints = [
        (
            "communication_unique",
            "unique(communication_id)",
            "The receipt of this reminder is already recorded.",
        ),
    ]

    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for event in self:
            event.display_name = "%s - %s" % (
                kinds.get(event.kind, ""),
                format_date(self.env, event.date),
            )

    @api.constrains("kind", "proof_attachment_ids", "note")
    def _check_proof(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for event in self:
            if event.kind in KINDS_NEEDING_PROOF and not event.proof_attachment_ids:
                raise ValidationError(
                    _(
                        "%(kind)s interrupts the prescription only if it can be "
                        "proven: attach the proof (PEC delivery receipt, signed "
                        "return receipt, signed acknowledgement or served act).",
                        kind=kinds[event.kind],
                    )
                )
            if event.kind == "other" and not event.note:
                raise ValidationError(
                    _("Describe in the note what interrupted the prescription.")
                )

    @api.constrains("date", "move_ids", "partner_id")
    def _check_invoices(self):
        today = fields.Date.context_today(self)
        for event in self:
            if event.date > today:
                raise ValidationError(
                    _(
                        "The interruption is dated %s, in the future: record it "
                        "once it has happened.",
                        format_date(self.env, event.date),
                    )
                )
            for move in event.move_ids:
                if move.move_type != "out_invoice" or move.state != "posted":
                    raise ValidationError(
                        _(
                            "%s is not a posted customer invoice: only those "
                            "prescribe.",
                            move.display_name,
                        )
                    )
                if move.commercial_partner_id != event.partner_id.commercial_partner_id:
                    raise ValidationError(
                        _(
                            "Invoice %(invoice)s is not owed by %(partner)s.",
                            invoice=move.name,
                            partner=event.partner_id.display_name,
                        )
                    )
                start = move._prescription_start_date()
                if event.date < start:
                    raise ValidationError(
                        _(
                            "Invoice %(invoice)s falls due on %(due)s: an act of "
                            "%(date)s, before it could be claimed, does not "
                            "interrupt its prescription.",
                            invoice=move.name,
                            due=format_date(self.env, start),
                            date=format_date(self.env, event.date),
                        )
                    )

    @api.constrains("communication_id", "kind", "date")
    def _check_communication(self):
        for event in self.filtered("communication_id"):
            communication = event.communication_id
            if not communication.is_written_demand:
                raise ValidationError(
                    _(
                        "%s is not a formal notice: only the receipt of a written "
                        "demand for payment interrupts the prescription.",
                        communication.name,
                    )
                )
            if communication.state not in ("sent", "delivery_failed"):
                raise ValidationError(
                    _(
                        "%s was not sent: it cannot have been received.",
                        communication.name,
                    )
                )
            if event.kind != "formal_notice":
                raise ValidationError(
                    _("The receipt of a reminder is a 'Formal Notice Received'.")
                )
            if event.date < communication.date:
                raise ValidationError(
                    _(
                        "%(ref)s is dated %(date)s: it cannot have been received "
                        "before.",
                        ref=communication.name,
                        date=format_date(self.env, communication.date),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._log_on_invoices()
        return events

    @api.model
    def _action_open(self, partner, moves=None):
        """The interruptions of ``partner`` (of ``moves`` if given), ready to
        record a new one for them."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_prescription_event_action"
        )
        partner = partner.commercial_partner_id
        context = {"default_partner_id": partner.id}
        if moves:
            action["domain"] = [("move_ids", "in", moves.ids)]
            context["default_move_ids"] = moves.ids
        else:
            action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = context
        return action

    def _log_on_invoices(self):
        """Say on each invoice what interrupted its prescription and the new date."""
        bodies = {}
        for event in self:
            for move in event.move_ids:
                bodies.setdefault(move.id, []).append(
                    Markup("%s")
                    % _(
                        "Prescription interrupted: %(event)s, recorded by %(user)s. "
                        "Last day to act: %(date)s.",
                        event=event.display_name,
                        user=event.user_id.name,
                        date=format_date(self.env, move.prescription_date),
                    )
                )
        self.env["account.move"].sudo().browse(list(bodies))._message_log_batch(
            bodies={mid: Markup("<br/>").join(b) for mid, b in bodies.items()}
        )

    # ------------------------------------------------------------------
    # Scheduled alerts
    # ------------------------------------------------------------------

    @api.model
    def _cron_schedule_prescription_activities(self, batch_size=500):
        """Daily: a to-do for the credit manager on each open invoice whose
        prescription date comes within the company's lead days.

        One activity per invoice and prescription date: the date an activity was
        planned for is kept on the invoice, so a second run plans nothing, and an
        interruption (a later date) gets its own activity in due time. Under the
        cron runner one batch is done per call, the runner commits and calls
        again; called directly, all batches run.
        """
        # Companies are few and all of them are watched.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        Move = self.env["account.move"].sudo()

        def batches():
            for company in companies:
                today = company._dunning_today()
                # The companies after this one, for the progress: once.
                elsewhere = sum(
                    len(Move._prescription_alert_ids(other, today))
                    for other in companies
                    if other.id > company.id
                )
                seen = set()
                while True:
                    ids = Move._prescription_alert_ids(company, today)
                    if not ids or seen.issuperset(ids[:batch_size]):
                        break
                    seen.update(ids[:batch_size])
                    moves = Move.browse(ids[:batch_size])
                    self._schedule_prescription_activities(moves, company, today)
                    remaining = len(ids) - len(moves) + elsewhere
                    _logger.info(
                        "Prescription alerts: %s in %s, %s remaining",
                        len(moves),
                        company.name,
                        remaining,
                    )
                    yield len(moves), remaining

        self._run_batches("dunning_advanced.ir_cron_prescription_activities", batches())

    @api.model
    def _schedule_prescription_activities(self, moves, company, today):
        user = company._prescription_responsible() or self.env.user
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("account.move")
        horizon = company.prescription_horizon_days
        vals_list = []
        for move in moves:
            # Due when the invoice enters the "near prescription" list.
            deadline = max(today, move.prescription_date - timedelta(days=horizon))
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": move.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "date_deadline": deadline,
                    "summary": _(
                        "Prescription of %(invoice)s on %(date)s",
                        invoice=move.name,
                        date=format_date(self.env, move.prescription_date),
                    ),
                    "note": _(
                        "Interrupt the prescription before it ends: send a formal "
                        "notice by PEC or registered letter and record its receipt, "
                        "obtain an acknowledgement of the debt, or start legal "
                        "action."
                    ),
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)
        # A technical mark, not an accounting change: account.move.write() would
        # re-synchronise every line of every invoice (one query per line).
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET prescription_alert_date = prescription_date "
                "WHERE id = ANY(%s)",
                moves.ids,
            )
        )
        moves.invalidate_recordset(["prescription_alert_date"])
