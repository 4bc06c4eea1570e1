import base64
from datetime import timedelta
from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, format_amount, hmac

from ..lib.epc_qr import epc_qr_payload, epc_qr_png
from ..lib.rf_reference import (
    format_rf_reference,
    is_rf_reference,
    rf_reference,
    validate_rf_reference,
)
from ..report import letter_renderer as lr
from .dunning_communication import DRAFT_NAME
from .dunning_pagopa_notice import to_cents

PAGOPA_DUE_DAYS = 15  # the pagoPA notice of a reminder is due 15 days after it


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningCommunicationPayment(models.Model):
    """How the customer pays what a reminder asks: a SEPA credit transfer
    (EPC QR code, for the whole amount to pay) and a pagoPA notice (for the
    claimed invoices: a pagoPA payment must match posted receivables). The
    letter and the email say plainly what each one covers.

    The pagoPA notice is never published while the reminder is sent: it is
    queued with the reminder (committed first), the notice cron publishes it
    with back-off, and the reminder's email and letter wait for it (state
    *pending*) up to the company's wait, then go out without it, saying so.
    """

    _inherit = "dunning.communication"

    pagopa_notice_ids = fields.One2many(
        "dunning.pagopa.notice", "communication_id", string="pagoPA Notices"
    )
    pagopa_status = fields.Char(
        string="pagoPA Notice", compute="_compute_pagopa_status"
    )
    pagopa_pay_url = fields.Char(
        string="pagoPA Pay Link", compute="_compute_pagopa_pay_url"
    )
    epc_qr_payload = fields.Text(
        string="EPC QR Code",
        compute="_compute_epc_qr",
        help="EPC069-12 payload of a SEPA credit transfer of the amount to pay, "
        "printed on the letter and shown in the email (EUR reminders only).",
    )
    epc_payment_details = fields.Text(compute="_compute_epc_qr")
    epc_qr_error = fields.Char(
        string="No EPC QR Code Because", compute="_compute_epc_qr"
    )
    epc_qr_attachment_id = fields.Many2one(
        "ir.attachment", string="EPC QR Image", readonly=True, copy=False
    )

    @api.depends("pagopa_notice_ids.state", "pagopa_notice_ids.last_error")
    def _compute_pagopa_status(self):
        labels = dict(
            self.env["dunning.pagopa.notice"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        for communication in self:
            notice = communication.pagopa_notice_ids.sorted("id")[-1:]
            if not notice:
                communication.pagopa_status = False
            elif notice.state in ("draft", "error") and notice.last_error:
                communication.pagopa_status = _(
                    "%(state)s: %(error)s",
                    state=labels[notice.state],
                    error=notice.last_error,
                )
            else:
                communication.pagopa_status = labels[notice.state]

    @api.depends("pagopa_notice_ids.state")
    def _compute_pagopa_pay_url(self):
        base_url = self[:1].get_base_url() if self else ""
        for communication in self:
            communication.pagopa_pay_url = (
                "%s/dunning/pagopa/pay/%s/%s"
                % (base_url, communication.id, communication._pagopa_token())
                if communication.id and communication._pagopa_payable_notice()
                else False
            )

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

    # ------------------------------------------------------------------
    # EPC QR code (SEPA credit transfer, EPC069-12)
    # ------------------------------------------------------------------

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
        moves = self._claimed_lines().move_id
        use_rf = self.company_id.dunning_rf_reference
        # A draft has no number yet: its code quotes the invoices only.
        own = self.name if self.name != DRAFT_NAME else ""
        if len(moves) == 1:
            reference = moves.payment_reference or moves.name
            if is_rf_reference(reference):
                return validate_rf_reference(reference), ""
            if use_rf:
                return rf_reference(reference), ""
            return "", reference[:140]
        if use_rf and own:
            return rf_reference(own), ""
        text = f"{own} {', '.join(moves.sorted('name').mapped('name'))}"
        return "", text[:140].strip()

    def _payment_instructions(self):
        """How to pay by bank transfer, for the letter and the email: the
        details of the EPC QR code when there is one (so that a customer can
        type them), else the account and what to quote."""
        self.ensure_one()
        if self.epc_payment_details:
            return self.epc_payment_details.split("\n")
        bank = self.company_id._dunning_bank()
        lines = []
        if bank:
            lines.append(self.env._("IBAN: %s", bank.acc_number))
            if bank.bank_bic:
                lines.append(self.env._("BIC: %s", bank.bank_bic))
        moves = self._claimed_lines().move_id
        lines.append(
            self.env._("Please quote: %s", ", ".join(moves.mapped("name")) or self.name)
        )
        return lines

    def _letter_qr_codes(self):
        codes = []
        if self.epc_qr_payload:
            codes.append(
                lr.LetterPaymentQR(
                    title=_("Pay by bank transfer"),
                    payload_text=self.epc_qr_payload,
                    caption=_("Scan with your banking app (EPC QR code)"),
                )
            )
        notice = self._pagopa_payable_notice()
        if notice:
            codes.append(
                lr.LetterPaymentQR(
                    title=_("Pay with pagoPA"),
                    payload_text=notice._qr_payload(),
                    caption=notice.notice_code_display,
                )
            )
        return codes

    def _payment_note(self, total):
        """What each payment code of the letter and email covers."""
        lang = self._letter_lang()
        symbol = self.currency_id.symbol

        def money(amount):
            return lr.format_money(_decimal(amount), lang, symbol)

        notes = []
        if self.epc_qr_payload:
            notes.append(
                _(
                    "The bank transfer QR code is for the amount to pay, %s.",
                    money(total),
                )
            )
        notice = self._pagopa_payable_notice()
        if notice:
            notes.append(
                _(
                    "The pagoPA notice %(code)s is for the invoices claimed, "
                    "%(amount)s; interest, compensation and fees are paid by bank "
                    "transfer.",
                    code=notice.notice_code_display,
                    amount=money(notice.amount),
                )
                if _decimal(notice.amount) != _decimal(total)
                else _(
                    "The pagoPA notice %(code)s is for the amount to pay, %(amount)s.",
                    code=notice.notice_code_display,
                    amount=money(notice.amount),
                )
            )
        return " ".join(notes)

    def _attach_payment_images(self):
        """The EPC QR code as a PNG, attached to the email and shown in it
        (through a link with an access token: mail clients hide inline data).
        A reminder that cannot have one goes out without it, saying why."""
        self.ensure_one()
        if self.epc_qr_error:
            self._message_log(
                body=_(
                    "Sent without EPC QR code: %s Fix it in the settings (Credit & "
                    "Dunning, bank account for reminders).",
                    self.epc_qr_error,
                )
            )
        if not self.epc_qr_payload or self.epc_qr_attachment_id:
            return
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self._letter_file_name()} EPC QR.png",
                "raw": epc_qr_png(self.epc_qr_payload),
                "mimetype": "image/png",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        attachment.generate_access_token()
        self._write_controlled({"epc_qr_attachment_id": attachment.id})

    def _email_qr_images(self):
        """QR codes to show in the email body: the sent image by its link, or
        inline for a preview in Odoo."""
        if not self.epc_qr_payload:
            return []
        attachment = self.epc_qr_attachment_id
        if attachment:
            src = "%s/web/image/%s?access_token=%s" % (
                self.get_base_url(),
                attachment.id,
                attachment.access_token,
            )
        else:
            png = epc_qr_png(self.epc_qr_payload)
            src = "data:image/png;base64," + base64.b64encode(png).decode()
        return [
            {
                "title": _("Pay by bank transfer"),
                "src": src,
                "caption": _("Scan with your banking app (EPC QR code)"),
            }
        ]

    def _email_payment_attachments(self):
        return self.epc_qr_attachment_id

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

    def _pagopa_required(self):
        """Whether this reminder gets a pagoPA notice (euro, claimed items)."""
        self.ensure_one()
        return bool(
            self.company_id.pagopa_enabled
            and self.currency_id == self.env.ref("base.EUR")
            and self._claimed_lines().filtered(lambda line: line.amount_residual > 0)
        )

    def _pagopa_wait(self):
        """Queue this reminder's pagoPA notice (no call to GPD here: the
        notice cron publishes it). True when the email and letter wait for it;
        False when they go at once (no notice needed or possible, or no wait
        set), with the reason in the note."""
        self.ensure_one()
        if not self._pagopa_required():
            return False
        try:
            notice, reused = self._pagopa_queue_notice()
        except UserError as error:  # settings incomplete: send without notice
            self._write_controlled(
                {
                    "note": "\n".join(
                        filter(None, [self.note, _("No pagoPA notice: %s", error)])
                    )
                }
            )
            return False
        if reused:
            return False
        hours = self.company_id.pagopa_email_wait_hours
        if not hours:
            return False
        self._write_controlled(
            {"pagopa_wait_until": fields.Datetime.now() + timedelta(hours=hours)}
        )
        self.env.ref("dunning_advanced.ir_cron_publish_pagopa_notices")._trigger()
        return bool(notice)

    def _pagopa_queue_notice(self):
        """The notice of the claimed invoices: a published one for the same
        invoices and amount is reused; others on these invoices are queued for
        withdrawal; a new one is queued for publication. Returns (notice,
        reused)."""
        self.ensure_one()
        lines = self._claimed_lines().filtered(lambda line: line.amount_residual > 0)
        moves = lines.move_id
        cents = sum(to_cents(line.amount_residual) for line in lines)
        Notice = self.env["dunning.pagopa.notice"].sudo()
        earlier = Notice.search(
            [
                ("move_ids", "in", moves.ids),
                ("state", "in", ("draft", "published", "error")),
            ]
        )
        reusable = earlier.filtered(
            lambda n: n.state == "published"
            and n.move_ids == moves
            and n.amount_cents == cents
        )[:1]
        (earlier - reusable)._queue_withdrawal(_("replaced by reminder %s", self.name))
        if reusable:
            reusable.communication_id = self
            return reusable, True
        notice = Notice.create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.commercial_partner_id.id,
                "move_ids": [Command.set(moves.ids)],
                "communication_id": self.id,
                "amount": float(Decimal(cents) / 100),
                "date_due": self.date + timedelta(days=PAGOPA_DUE_DAYS),
            }
        )
        return notice, False
