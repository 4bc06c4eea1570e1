import base64
import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, format_amount, format_date, hmac
from odoo.tools.pdf import merge_pdf

from ..lib.dunning_levels import fee_amount
from ..lib.epc_qr import epc_qr_payload, epc_qr_png
from ..lib.late_interest import (
    CADENCE_BY_KIND,
    KIND_B2B,
    KIND_LEGAL,
    compensation_b2b,
    compute_interest,
)
from ..lib.rf_reference import (
    format_rf_reference,
    is_rf_reference,
    rf_reference,
    validate_rf_reference,
)
from ..report import letter_renderer as lr
from .dunning_level import CHANNELS
from .dunning_pagopa_notice import to_cents

_logger = logging.getLogger(__name__)

STATES = [("draft", "To Send"), ("sent", "Sent"), ("cancelled", "Cancelled")]
PAGOPA_DUE_DAYS = 15  # the pagoPA notice of a reminder is due 15 days after it


def _decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class DunningCommunication(models.Model):
    """A reminder to one customer, at one level, in one currency.

    Created by a dunning run, in draft; sending does every channel of the level
    (email, letter, SMS, call activity), posts the fee, puts the customer on hold
    when the level says so, and writes the history on the customer and on each
    invoice. A draft can be reviewed and changed before it is sent.
    """

    _name = "dunning.communication"
    _description = "Dunning Reminder"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: _("New")
    )
    run_id = fields.Many2one(
        "dunning.run", index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    level_id = fields.Many2one(
        "dunning.level", required=True, check_company=True, tracking=True
    )
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    level_rank = fields.Integer(related="level_id.rank", store=True, string="Rank")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    date = fields.Date(required=True, readonly=True, index=True)
    sent_date = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, index=True, copy=False
    )
    line_ids = fields.One2many(
        "dunning.communication.line", "communication_id", string="Invoices"
    )
    line_count = fields.Integer(compute="_compute_amounts", store=True)
    amount_residual = fields.Monetary(
        string="Amount Due", compute="_compute_amounts", store=True
    )
    interest_amount = fields.Monetary(
        string="Interest", compute="_compute_amounts", store=True
    )
    compensation_amount = fields.Monetary(
        string="Compensation", compute="_compute_amounts", store=True
    )
    fee_amount = fields.Monetary(
        currency_field="company_currency_id", readonly=True, copy=False
    )
    amount_total = fields.Monetary(
        string="Total Claimed", compute="_compute_amounts", store=True
    )
    interest_note = fields.Char(
        readonly=True, help="Why interest could not be computed, if so."
    )
    send_email = fields.Boolean(string="By Email")
    send_letter = fields.Boolean(string="By Letter")
    send_sms = fields.Boolean(string="By SMS")
    create_call = fields.Boolean(string="By Phone Call")
    email_to = fields.Char(
        help="Where the email goes: the PEC address for a formal notice when the "
        "customer has one, its email otherwise."
    )
    mail_id = fields.Many2one(
        "mail.mail", string="Email Sent", readonly=True, copy=False
    )
    email_state = fields.Selection(related="mail_id.state", string="Email Status")
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", readonly=True, copy=False
    )
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Invoice", readonly=True, copy=False
    )
    fee_invoiced = fields.Boolean(
        readonly=True,
        copy=False,
        help="The fee has been put on an invoice (its own or an interest invoice).",
    )
    note = fields.Text(readonly=True, help="What could not be done as planned.")
    is_b2b = fields.Boolean(
        string="Business Customer",
        compute="_compute_is_b2b",
        store=True,
        help="Statutory interest of D.Lgs. 231/2002 and 40 EUR compensation for "
        "businesses; legal rate only for consumers.",
    )
    pagopa_notice_ids = fields.One2many(
        "dunning.pagopa.notice", "communication_id", string="pagoPA Notices"
    )
    pagopa_pay_url = fields.Char(
        string="pagoPA Pay Link", compute="_compute_pagopa_pay_url"
    )

    @api.depends("pagopa_notice_ids.state")
    def _compute_pagopa_pay_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for communication in self:
            communication.pagopa_pay_url = (
                "%s/dunning/pagopa/pay/%s/%s"
                % (base_url, communication.id, communication._pagopa_token())
                if communication.id and communication._pagopa_payable_notice()
                else False
            )

    epc_qr_payload = fields.Text(
        string="EPC QR Code",
        compute="_compute_epc_qr",
        help="EPC069-12 payload of a SEPA credit transfer of the total claimed, "
        "printed on the letter and attached to the email (EUR reminders only).",
    )
    epc_payment_details = fields.Text(compute="_compute_epc_qr")
    epc_qr_error = fields.Char(
        string="No EPC QR Code Because", compute="_compute_epc_qr"
    )

    is_written_demand = fields.Boolean(
        compute="_compute_is_written_demand",
        help="A formal notice or legal-stage letter: once its receipt is proven, "
        "it interrupts the prescription of its invoices (art. 2943 c.c.).",
    )

    @api.depends("level_id.is_formal_notice", "level_id.legal_stage")
    def _compute_is_written_demand(self):
        for communication in self:
            level = communication.level_id
            communication.is_written_demand = (
                level.is_formal_notice or level.legal_stage
            )

    @api.depends("partner_id.commercial_partner_id.is_company")
    def _compute_is_b2b(self):
        for communication in self:
            communication.is_b2b = (
                communication.partner_id.commercial_partner_id.is_company
            )

    @api.depends(
        "line_ids.include",
        "line_ids.amount_residual",
        "line_ids.interest_amount",
        "line_ids.compensation_amount",
        "fee_amount",
    )
    def _compute_amounts(self):
        for communication in self:
            lines = communication.line_ids.filtered("include")
            communication.line_count = len(lines)
            communication.amount_residual = sum(lines.mapped("amount_residual"))
            communication.interest_amount = sum(lines.mapped("interest_amount"))
            communication.compensation_amount = sum(lines.mapped("compensation_amount"))
            fee = communication.company_currency_id._convert(
                communication.fee_amount,
                communication.currency_id,
                communication.company_id,
                communication.date or fields.Date.context_today(communication),
            )
            communication.amount_total = (
                communication.amount_residual
                + communication.interest_amount
                + communication.compensation_amount
                + fee
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("dunning.communication") or _("New")
        return super().create(vals_list)

    def _compute_display_name(self):
        for communication in self:
            communication.display_name = (
                f"{communication.name} - {communication.partner_id.display_name}"
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_send(self):
        """Send these draft reminders now."""
        self._check_dunning_user()
        self.filtered(lambda c: c.state == "draft")._send()
        return True

    def action_cancel(self):
        self._check_dunning_user()
        sent = self.filtered(lambda c: c.state == "sent")
        if sent:
            raise UserError(
                _(
                    "%s was already sent: a sent reminder stays in the history.",
                    sent[0].name,
                )
            )
        self.write({"state": "cancelled"})
        return True

    def action_print_letter(self):
        """Download the letter (or a preview of it for a draft)."""
        ids = ",".join(str(i) for i in self.ids)
        return {
            "type": "ir.actions.act_url",
            "url": f"/dunning/letters/{ids}",
            "target": "self",
        }

    def action_record_receipt(self):
        """Record the proven receipt of this formal notice (PEC delivery receipt,
        signed return receipt): only then it interrupts the prescription of its
        invoices (art. 2943 c. 4 c.c.)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_prescription_event_action"
        )
        action.update(
            views=[(False, "form")],
            view_mode="form",
            target="new",
            context={
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_move_ids": self.line_ids.filtered("include").move_id.ids,
                "default_kind": "formal_notice",
                "default_communication_id": self.id,
                "default_company_id": self.company_id.id,
            },
        )
        return action

    def action_open_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Invoices of %s", self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.move_id.ids)],
        }

    def _split_overridden_levels(self):
        """Move preview lines whose level the accountant changed to a reminder
        of that level (created if needed). Returns all the drafts to send."""
        Line = self.env["dunning.communication.line"]
        result = self
        for communication in self:
            moved = communication.line_ids.filtered(
                lambda line, c=communication: line.level_id != c.level_id
            )
            for level, lines in moved.grouped("level_id").items():
                if level.policy_id != communication.policy_id:
                    raise UserError(
                        _(
                            "%(ref)s: level %(level)s is not in policy %(policy)s.",
                            ref=communication.name,
                            level=level.name,
                            policy=communication.policy_id.name,
                        )
                    )
                reached = Line.search(
                    [
                        ("move_line_id", "in", lines.move_line_id.ids),
                        ("state", "=", "sent"),
                        ("level_rank", ">=", level.rank),
                    ],
                    limit=1,
                )
                if reached:
                    raise UserError(
                        _(
                            "%(invoice)s already reached level %(level)s or higher: "
                            "levels never go backwards.",
                            invoice=reached.move_id.name,
                            level=level.name,
                        )
                    )
                sibling = result.filtered(
                    lambda c, lv=level, co=communication: c.level_id == lv
                    and c.partner_id == co.partner_id
                    and c.currency_id == co.currency_id
                )[:1]
                if not sibling:
                    sibling = communication.copy(
                        {
                            "level_id": level.id,
                            "run_id": communication.run_id.id,
                            "date": communication.date,
                            "line_ids": [],
                            **{channel: level[channel] for channel in CHANNELS},
                            "email_to": communication.partner_id._dunning_email_to(
                                level
                            ),
                        }
                    )
                    result |= sibling
                lines.write({"communication_id": sibling.id, "level_rank": level.rank})
        return result

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(
            "dunning_advanced.group_dunning_user"
        ):
            raise UserError(_("Only Dunning Users can send or cancel reminders."))

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _send(self):
        """Every channel of each reminder, in the caller's transaction.

        Emails and SMS go to Odoo's queues (mail.mail, sms.sms) in the same
        transaction as the state change: a crash before the commit sends
        nothing, and nothing is sent twice.
        """
        to_send = self._drop_settled_lines()
        if not to_send:
            return
        to_send._compute_interest()
        for communication in to_send:
            communication._compute_fee()
        for communication in to_send:
            communication._send_channels()
        to_send.write({"state": "sent", "sent_date": fields.Datetime.now()})
        to_send._post_fees()
        to_send._apply_credit_holds()
        to_send._log_history()
        to_send.filtered(lambda c: c.level_id.legal_stage)._start_legal_stage()

    def _drop_settled_lines(self):
        """Remove lines paid since the preview and lines left out by hand.

        Returns the reminders that still have something to remind; the others
        are cancelled.
        """
        lines = self.line_ids
        dropped = lines.filtered(
            lambda line: not line.include
            or line.move_line_id.reconciled
            or line.move_line_id.company_currency_id.compare_amounts(
                line.move_line_id.amount_residual,
                line.communication_id.level_id.tolerance,
            )
            <= 0
        )
        dropped.unlink()
        for line in lines - dropped:
            line.amount_residual = line.move_line_id.amount_residual_currency
        empty = self.filtered(lambda c: not c.line_ids)
        empty.write(
            {"state": "cancelled", "note": _("Nothing left to remind: all paid.")}
        )
        return self - empty

    def _compute_interest(self):
        """Statutory interest to the reminder's date on each line, when the level
        adds interest: D.Lgs. 231/2002 for businesses (and 40 EUR per invoice),
        the legal rate of art. 1284 c.c. for consumers. Days and compensation
        already on an interest invoice are not claimed again."""
        Rate = self.env["dunning.interest.rate"]
        tables = {kind: Rate._rate_table(kind) for kind in (KIND_B2B, KIND_LEGAL)}
        eur = self.env.ref("base.EUR")
        for communication in self.filtered(lambda c: c.level_id.add_interest):
            kind = KIND_B2B if communication.is_b2b else KIND_LEGAL
            compensated = set()
            for line in communication.line_ids:
                principal = _decimal(line.amount_residual)
                line.compensation_amount = 0.0  # recomputed below when owed
                invoiced_to = line.move_id.dunning_interest_invoiced_to
                start = max(line.date_maturity, invoiced_to or line.date_maturity)
                try:
                    result = compute_interest(
                        principal,
                        start,
                        communication.date,
                        tables[kind],
                        cadence=CADENCE_BY_KIND[kind],
                    )
                except ValueError as error:
                    communication.interest_note = str(error)
                    line.interest_amount = 0.0
                    continue
                line.interest_amount = float(result.total)
                late = communication.date > line.date_maturity
                if (
                    communication.is_b2b
                    and late
                    and line.move_id not in compensated
                    and not line.move_id.dunning_compensation_invoiced
                ):
                    compensated.add(line.move_id)
                    line.compensation_amount = eur._convert(
                        float(compensation_b2b()),
                        communication.currency_id,
                        communication.company_id,
                        communication.date,
                    )

    def _compute_fee(self):
        self.ensure_one()
        level = self.level_id
        base = self.currency_id._convert(
            self.amount_residual, self.company_currency_id, self.company_id, self.date
        )
        self.fee_amount = float(
            fee_amount(
                level.fee_type,
                fixed=_decimal(level.fee_fixed),
                percent=Decimal(str(level.fee_percent)),
                cap=_decimal(level.fee_cap) if level.fee_cap else None,
                base=_decimal(base),
            )
        )

    def _send_channels(self):
        self.ensure_one()
        partner = self.partner_id
        notes = self._pagopa_issue_notice()
        self._log_payment_qr_problems()
        send_letter = self.send_letter
        if self.send_email and not self.email_to:
            notes.append(_("No email address: a letter is sent instead."))
            send_letter = True
        letter = self._attach_letter() if send_letter else False
        if self.send_email and self.email_to:
            template = self.level_id.mail_template_id
            if not template:
                raise UserError(
                    _("Level %s has no email template.", self.level_id.display_name)
                )
            attachments = (letter.ids if letter else []) + (
                self._email_payment_attachments().ids
            )
            notice = self._pagopa_payable_notice()
            if notice:
                attachments += notice._notice_attachment().ids
            mail_id = template.with_context(lang=partner.lang).send_mail(
                self.id,
                email_values={
                    "email_to": self.email_to,
                    "attachment_ids": [Command.set(attachments)],
                },
                email_layout_xmlid="mail.mail_notification_light",
            )
            self.mail_id = mail_id
        if self.send_sms:
            if partner.mobile or partner.phone:
                self._message_sms_with_template(
                    template=self.level_id.sms_template_id,
                    partner_ids=partner.ids,
                    put_in_queue=True,
                )
            else:
                notes.append(_("No phone number: no SMS."))
        if self.create_call:
            collector = partner._dunning_responsible(self.company_id)
            self.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.date,
                user_id=collector.id,
                summary=_("Call %s about overdue invoices", partner.display_name),
                note=_(
                    "%(level)s: %(amount)s overdue.",
                    level=self.level_id.name,
                    amount=format_amount(self.env, self.amount_total, self.currency_id),
                ),
            )
        if send_letter and not self.send_letter:
            self.send_letter = True
        if notes:
            self.note = "\n".join(notes)

    def _attach_letter(self):
        self.ensure_one()
        pdf = self._render_letter_pdf()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self._letter_file_name()}.pdf",
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.letter_attachment_id = attachment
        return attachment

    def _letter_file_name(self):
        return f"{self.name.replace('/', '-')} {self.partner_id.name}"

    def _post_fees(self):
        """Fees the level posts as their own invoice, when the reminder goes out."""
        product = self.env.ref("dunning_advanced.product_dunning_fee")
        to_invoice = self.filtered(
            lambda c: c.fee_amount and c.level_id.fee_posting == "invoice"
        )
        for communication in to_invoice:
            move = (
                self.env["account.move"]
                .sudo()
                .with_company(communication.company_id)
                .with_context(dunning_credit_check_bypass=True)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": communication.partner_id.id,
                        "company_id": communication.company_id.id,
                        "invoice_date": communication.date,
                        "dunning_excluded": True,
                        "dunning_exclusion_reason": _("Dunning fee"),
                        "invoice_origin": communication.name,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "name": _(
                                        "Dunning fee: %(level)s (%(ref)s)",
                                        level=communication.level_id.name,
                                        ref=communication.name,
                                    ),
                                    "quantity": 1,
                                    "price_unit": communication.fee_amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                )
            )
            move.action_post()
            communication.write({"fee_move_id": move.id, "fee_invoiced": True})

    def _apply_credit_holds(self):
        blocking = self.filtered(lambda c: c.level_id.credit_hold)
        Profile = self.env["dunning.credit.profile"].sudo()
        for company, communications in blocking.grouped("company_id").items():
            profiles = Profile._get_or_create(communications.partner_id, company)
            by_partner = {p.partner_id: p for p in profiles}
            for communication in communications:
                by_partner[communication.partner_id].write(
                    {
                        "dunning_hold": True,
                        "dunning_hold_reason": _(
                            "%(level)s sent on %(date)s (%(ref)s)",
                            level=communication.level_id.name,
                            date=format_date(self.env, communication.date),
                            ref=communication.name,
                        ),
                    }
                )
            profiles._refresh_hold()

    def _log_history(self):
        """A note on the customer and on each invoice, in two batched writes."""
        partner_bodies = {}
        move_bodies = defaultdict(list)
        for communication in self:
            summary = communication._history_summary()
            partner_bodies.setdefault(communication.partner_id.id, []).append(summary)
            for move in communication.line_ids.move_id:
                move_bodies[move.id].append(summary)
        self.env["res.partner"].sudo().browse(list(partner_bodies))._message_log_batch(
            bodies={pid: Markup("<br/>").join(b) for pid, b in partner_bodies.items()}
        )
        self.env["account.move"].sudo().browse(list(move_bodies))._message_log_batch(
            bodies={mid: Markup("<br/>").join(b) for mid, b in move_bodies.items()}
        )

    def _history_summary(self):
        self.ensure_one()
        channels = ", ".join(self._sent_channel_labels()) or _("no channel")
        link = Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.name,
        )
        return Markup("%s") % _(
            "Reminder %(link)s, %(level)s, by %(channels)s: %(amount)s",
            link=link,
            level=self.level_id.name,
            channels=channels,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
        )

    def _sent_channel_labels(self):
        labels = []
        if self.mail_id:
            labels.append(_("email to %s", self.email_to))
        if self.letter_attachment_id and self.send_letter:
            labels.append(_("letter"))
        if self.send_sms and (self.partner_id.mobile or self.partner_id.phone):
            labels.append(_("SMS"))
        if self.create_call:
            labels.append(_("phone call"))
        return labels

    def _start_legal_stage(self):
        """The legal stage is reached: the customer's collection case is opened
        (or these invoices added to it), with a to-do to hand it over."""
        return self.env["dunning.collection.case"]._open_from_communications(self)

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _render_letter_pdf(self):
        pdf = lr.render_letter(self._prepare_letter())
        notice = self._pagopa_payable_notice()
        return merge_pdf([pdf, notice._render_pdf()]) if notice else pdf

    @api.model
    def _render_letters_pdf(self, communications):
        """One PDF of many letters: the stored ones merged, others rendered."""
        parts = []
        for communication in communications:
            attachment = communication.letter_attachment_id
            parts.append(
                attachment.raw if attachment else communication._render_letter_pdf()
            )
        return merge_pdf(parts) if len(parts) > 1 else (parts[0] if parts else b"")

    def _letter_lang(self):
        lang = self.partner_id.lang or self.env.lang or "en_US"
        return lang if lang[:2] in ("it", "en") else "en_US"

    def _prepare_letter(self):
        """The plain data of the letter, in the customer's language."""
        self.ensure_one()
        lang = self._letter_lang()
        record = self.with_context(lang=lang)
        level = record.level_id
        company = record.company_id
        partner = record.partner_id
        bank = company._dunning_bank()
        lines = record.line_ids.filtered("include").sorted("date_maturity")
        currency = record.currency_id
        invoices = [
            lr.LetterInvoiceLine(
                number=line.move_id.name,
                invoice_date=line.move_id.invoice_date or line.move_id.date,
                due_date=line.date_maturity,
                days_late=max(line.days_overdue, 0),
                original=_decimal(line.amount_original),
                residual=_decimal(line.amount_residual),
            )
            for line in lines
        ]
        charges = record._letter_charges()
        total = sum((i.residual for i in invoices), Decimal(0)) + sum(
            (c.amount for c in charges), Decimal(0)
        )
        reference = record.name
        instructions = []
        if bank:
            instructions.append(record.env._("IBAN: %s", bank.acc_number))
            if bank.bank_bic:
                instructions.append(record.env._("BIC: %s", bank.bank_bic))
        instructions.append(
            record.env._(
                "Please quote: %s",
                ", ".join(lines.move_id.mapped("name")) or reference,
            )
        )
        return lr.Letter(
            company=lr.LetterCompany(
                name=company.name,
                street=company.street or "",
                zip=company.zip or "",
                city=company.city or "",
                country=company.country_id.name or "",
                vat=company.vat or "",
                phone=company.phone or "",
                email=company.email or "",
                website=company.website or "",
                logo_png=base64.b64decode(company.logo) if company.logo else None,
                iban=bank.acc_number or "",
                bic=bank.bank_bic or "",
                pec="",
            ),
            partner=lr.LetterPartner(
                name=partner.commercial_partner_id.name,
                street=partner.street or "",
                street2=partner.street2 or "",
                zip=partner.zip or "",
                city=partner.city or "",
                state=partner.state_id.code or "",
                country=partner.country_id.name
                if partner.country_id != company.country_id
                else "",
                vat=partner.commercial_partner_id.vat or "",
                fiscal_code="",
            ),
            lang=lang,
            date=record.date,
            place=company.city or "",
            reference=reference,
            subject=level.subject or level.name,
            level_name=level.name,
            opening_text=level.letter_opening or "",
            closing_text=level.letter_closing or "",
            invoices=invoices,
            charges=charges,
            currency_symbol=currency.symbol,
            total_due=total,
            payment_instructions=instructions,
            qr_codes=record._letter_qr_codes(),
            signature_name=company.name,
            signature_title=record.env._("Credit Management"),
            is_formal_notice=level.is_formal_notice,
        )

    def _letter_charges(self):
        charges = []
        if self.interest_amount:
            rate_kind = _("D.Lgs. 231/2002") if self.is_b2b else _("art. 1284 c.c.")
            charges.append(
                lr.LetterCharge(
                    label=_(
                        "Late payment interest to %(date)s (%(law)s)",
                        date=format_date(self.env, self.date),
                        law=rate_kind,
                    ),
                    amount=_decimal(self.interest_amount),
                )
            )
        if self.compensation_amount:
            charges.append(
                lr.LetterCharge(
                    label=_(
                        "Fixed compensation for recovery costs (art. 6 D.Lgs. 231/2002)"
                    ),
                    amount=_decimal(self.compensation_amount),
                )
            )
        if self.fee_amount:
            fee = self.company_currency_id._convert(
                self.fee_amount, self.currency_id, self.company_id, self.date
            )
            charges.append(
                lr.LetterCharge(label=_("Reminder fee"), amount=_decimal(fee))
            )
        return charges

    def _letter_qr_codes(self):
        """Payment QR codes on the letter; the payment-links flow adds them."""
        return self._epc_letter_qr_codes() + self._pagopa_letter_qr_codes()

    # ------------------------------------------------------------------
    # EPC QR code (SEPA credit transfer, EPC069-12)
    # ------------------------------------------------------------------

    @api.depends(
        "currency_id",
        "amount_total",
        "company_id",
        "line_ids.include",
        "line_ids.move_id.payment_reference",
    )
    def _compute_epc_qr(self):
        eur = self.env.ref("base.EUR")
        for communication in self:
            payload = details = error = False
            if communication.currency_id == eur and communication.amount_total > 0:
                try:
                    payload, details = communication._epc_qr_data()
                except ValueError as exc:
                    error = str(exc)
            communication.epc_qr_payload = payload
            communication.epc_payment_details = details
            communication.epc_qr_error = error

    def _epc_qr_data(self):
        """(EPC payload, payment details for the email); ValueError saying
        what to fix when the code cannot be made."""
        self.ensure_one()
        company = self.company_id
        bank = company._dunning_bank()
        if not bank:
            raise ValueError(
                _("%s has no bank account for reminders.", company.display_name)
            )
        amount = _decimal(self.amount_total)
        reference, text = self._epc_remittance()
        payload = epc_qr_payload(
            company.name,
            bank.acc_number,
            amount,
            bic=bank.bank_bic or None,
            remittance_reference=reference,
            remittance_text=text,
        )
        details = [
            _("Beneficiary: %s", company.name),
            _("IBAN: %s", bank.acc_number),
        ]
        if bank.bank_bic:
            details.append(_("BIC: %s", bank.bank_bic))
        details.append(
            _(
                "Amount: %s",
                format_amount(self.env, self.amount_total, self.currency_id),
            )
        )
        details.append(
            _("Reference: %s", format_rf_reference(reference) if reference else text)
        )
        return payload, "\n".join(details)

    def _epc_remittance(self):
        """(RF creditor reference, free text) of the transfer, one empty.

        One invoice: its payment reference, structured when it is an RF
        reference (or made one when the company uses them). Several invoices:
        an RF reference of the reminder when the company uses them, otherwise
        the reminder and the invoice numbers as text.
        """
        moves = self.line_ids.filtered("include").move_id
        use_rf = self.company_id.dunning_rf_reference
        if len(moves) == 1:
            reference = moves.payment_reference or moves.name
            if is_rf_reference(reference):
                return validate_rf_reference(reference), ""
            if use_rf:
                return rf_reference(reference), ""
            return "", reference[:140]
        if use_rf:
            return rf_reference(self.name), ""
        text = f"{self.name} {', '.join(moves.sorted('name').mapped('name'))}"
        return "", text[:140].strip()

    def _epc_letter_qr_codes(self):
        if not self.epc_qr_payload:
            return []
        return [
            lr.LetterPaymentQR(
                title=_("Pay by bank transfer"),
                payload_text=self.epc_qr_payload,
                caption=_("Scan with your banking app (EPC QR code)"),
            )
        ]

    def _email_payment_attachments(self):
        """The EPC QR code as a PNG attachment; the body gives the details."""
        self.ensure_one()
        attachments = self.env["ir.attachment"]
        if self.epc_qr_payload:
            attachments |= attachments.create(
                {
                    "name": f"{self._letter_file_name()} EPC QR.png",
                    "raw": epc_qr_png(self.epc_qr_payload),
                    "mimetype": "image/png",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        return attachments

    def _log_payment_qr_problems(self):
        """Say on the reminder why it goes out without a QR code."""
        self.ensure_one()
        if self.epc_qr_error:
            self._message_log(
                body=_(
                    "Sent without EPC QR code: %s Fix it in the settings "
                    "(Credit & Dunning, bank account for reminders).",
                    self.epc_qr_error,
                )
            )

    # ------------------------------------------------------------------
    # pagoPA
    # ------------------------------------------------------------------

    def _pagopa_payable_notice(self):
        """The published pagoPA notice of this reminder, if any."""
        return self.pagopa_notice_ids.filtered(lambda n: n.state == "published")[:1]

    def _pagopa_token(self):
        return hmac(self.env(su=True), "dunning-pagopa-pay", self.id)

    def _pagopa_check_token(self, token):
        return consteq(self._pagopa_token(), token or "")

    def _pagopa_checkout_url(self):
        """Address of the pagoPA Checkout page for the open notices of this
        reminder; UserError when there is nothing to pay or Checkout refuses."""
        self.ensure_one()
        notices = self.pagopa_notice_ids.filtered(lambda n: n.state == "published")
        if not notices:
            raise UserError(_("Reminder %s has nothing left to pay.", self.name))
        return notices._checkout_url(self.partner_id.email, self.name)

    def _pagopa_letter_qr_codes(self):
        notice = self._pagopa_payable_notice()
        if not notice:
            return []
        return [
            lr.LetterPaymentQR(
                title=_("Pay with pagoPA"),
                payload_text=notice._qr_payload(),
                caption=notice.notice_code_display,
            )
        ]

    def _pagopa_issue_notice(self):
        """One pagoPA notice per reminder, for the residual of its invoices
        (interest, compensation and fee are claimed in the letter, not in the
        notice: a pagoPA payment must match posted receivables to reconcile).
        Earlier notices on the same invoices are withdrawn, or reused when they
        cover the same invoices and amount. Returns notes for the reminder."""
        self.ensure_one()
        company = self.company_id
        lines = self.line_ids.filtered("include")
        if not company.pagopa_enabled or not lines:
            return []
        if self.currency_id != self.env.ref("base.EUR"):
            return [_("pagoPA collects euro only: no pagoPA notice.")]
        moves = lines.move_id
        cents = sum(to_cents(line.amount_residual) for line in lines)
        Notice = self.env["dunning.pagopa.notice"].sudo()
        earlier = Notice.search(
            [("move_ids", "in", moves.ids), ("state", "in", ("published", "error"))]
        )
        reusable = earlier.filtered(
            lambda n: n.state == "published"
            and n.move_ids == moves
            and n.amount_cents == cents
        )[:1]
        try:
            withdrawn_errors = (earlier - reusable)._gpd_invalidate(
                _("replaced by reminder %s", self.name)
            )
            if reusable:
                reusable.communication_id = self
                return withdrawn_errors
            notice = Notice.create(
                {
                    "company_id": company.id,
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "move_ids": [Command.set(moves.ids)],
                    "communication_id": self.id,
                    "amount": float(Decimal(cents) / 100),
                    "date_due": self.date + timedelta(days=PAGOPA_DUE_DAYS),
                }
            )
            return withdrawn_errors + notice._gpd_publish()
        except UserError as error:  # settings incomplete: send without notice
            return [str(error)]
