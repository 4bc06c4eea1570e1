import base64
import hashlib
import logging
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.tools.pdf import merge_pdf

from ..report import letter_renderer as lr
from .dunning_communication import DRAFT_NAME
from .dunning_communication_line import SENT_STATES
from .ir_qweb import COMPILED_INLINE

_logger = logging.getLogger(__name__)

# What the email template renders; the recipient and the attachments are the
# reminder's own.
EMAIL_FIELDS = ("subject", "body_html", "email_from", "reply_to", "email_cc")
# Where the body goes in the rendered frame of the emails.
BODY_MARK = "%%DUNNING-REMINDER-BODY%%"


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningCommunicationDocument(models.Model):
    """What a reminder says and how it looks: the letter (reportlab), the
    statement of open items in the email (QWeb, from the same data), the
    email itself. Both channels are built from :meth:`_prepare_letter`, so the
    letter and the email always show the same items and the same totals."""

    _inherit = "dunning.communication"

    statement_html = fields.Html(
        string="Message Preview",
        compute="_compute_statement_html",
        sanitize=False,
        help="The open items and totals as the email shows them.",
    )

    def _compute_statement_html(self):
        self._prefetch_documents()
        for communication in self:
            communication.statement_html = (
                communication._render_statement_html()
                if communication.id and communication.line_ids
                else False
            )

    # ------------------------------------------------------------------
    # The data of both channels
    # ------------------------------------------------------------------

    def _prefetch_documents(self):
        """Read what the letters and statements of these reminders show in a
        few queries: each one is built in its customer's language, from a
        record of its own, which would read its lines, invoices and customer
        one reminder at a time."""
        lines = self.line_ids
        lines.fetch(
            [
                "include",
                "section",
                "claimed",
                "date_maturity",
                "days_overdue",
                "amount_original",
                "amount_residual",
                "interest_amount",
                "compensation_amount",
                "pause_reason",
                "move_id",
                "move_line_id",
            ]
        )
        lines.move_id.fetch(["name", "invoice_date", "date"])
        partners = self.partner_id | self.partner_id.commercial_partner_id
        partners.fetch(
            ["name", "street", "street2", "zip", "city", "state_id", "country_id"]
        )

    def _letter_lang(self):
        lang = self.partner_id.lang or self.env.lang or "en_US"
        return lang if lang[:2] in ("it", "en") else "en_US"

    def _letter_watermark(self, labels):
        """A letter or email that is not the one sent says so."""
        if self.is_simulation:
            return labels["simulation"]
        if self.state not in SENT_STATES and not self.env.context.get(
            "dunning_sending"
        ):
            return labels["draft"]
        return ""

    def _letter_contact(self):
        """Who answers the customer: its collector, else the company's credit
        contact, else the company."""
        self.ensure_one()
        company = self.company_id
        collector = self.partner_id.commercial_partner_id.dunning_collector_id
        if collector:
            person = collector.partner_id
            return [
                person.name,
                person.phone or person.mobile or company.dunning_contact_phone,
                person.email or company.dunning_contact_email,
            ]
        return [
            company.dunning_contact_name,
            company.dunning_contact_phone or company.phone,
            company.dunning_contact_email or company.email,
        ]

    def _prepare_letter(self):
        """The plain data of the letter and of the email statement, in the
        customer's language."""
        self.ensure_one()
        lang = self._letter_lang()
        record = self.with_context(lang=lang)
        labels = lr.letter_labels(lang)
        level = record.level_id
        company = record.company_id
        partner = record.partner_id
        commercial = partner.commercial_partner_id
        bank = company._dunning_bank()
        lines = record.line_ids.filtered("include").sorted(
            lambda line: (line.date_maturity, line.id)
        )

        def invoice_line(line):
            move = line.move_id
            return lr.LetterInvoiceLine(
                number=move.name or "",
                invoice_date=move.invoice_date or move.date,
                due_date=line.date_maturity,
                days_late=max(line.days_overdue, 0),
                original=_decimal(line.amount_original),
                residual=_decimal(line.amount_residual),
                interest=_decimal(line.interest_amount),
                status=line.pause_reason or "",
            )

        by_section = lines.grouped("section")
        invoices = [invoice_line(line) for line in by_section.get("overdue", [])]
        upcoming = [invoice_line(line) for line in by_section.get("not_due", [])]
        paused = [
            invoice_line(line)
            for section in ("disputed", "paused")
            for line in by_section.get(section, [])
        ]
        credits = [
            lr.LetterCredit(
                number=line.move_id.name or line.move_line_id.name or "",
                date=line.move_id.date,
                amount=-_decimal(line.amount_residual),
            )
            for line in by_section.get("credit", [])
        ]
        upcoming_claimed = any(line.claimed for line in by_section.get("not_due", []))
        charges = record._letter_charges()
        total = (
            sum((i.residual for i in invoices), Decimal(0))
            + (
                sum((i.residual for i in upcoming), Decimal(0))
                if upcoming_claimed
                else 0
            )
            + sum((c.amount for c in charges), Decimal(0))
            - sum((c.amount for c in credits), Decimal(0))
        )
        owed = (
            sum((i.residual for i in invoices + upcoming), Decimal(0))
            + sum(
                (
                    _decimal(line.amount_residual)
                    for line in by_section.get("paused", [])
                ),
                Decimal(0),
            )
            + sum((c.amount for c in charges), Decimal(0))
            - sum((c.amount for c in credits), Decimal(0))
        )
        instructions = record._payment_instructions()
        contact = record._letter_contact()
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
                logo_png=record._company_logo_png(),
                iban=bank.acc_number or "",
                bic=bank.bank_bic or "",
                pec=company.dunning_pec_email_from or "",
            ),
            partner=lr.LetterPartner(
                name=commercial.name or partner.name,
                street=partner.street or "",
                street2=partner.street2 or "",
                zip=partner.zip or "",
                city=partner.city or "",
                state=partner.state_id.code or "",
                country=partner.country_id.name
                if partner.country_id != company.country_id
                else "",
                vat=commercial.vat or "",
                fiscal_code="",
            ),
            lang=lang,
            date=record.date,
            place=company.city or "",
            reference=record.name if record.name != DRAFT_NAME else labels["draft"],
            subject=level.subject or level.name,
            level_name=level.name,
            opening_text=level.letter_opening or "",
            closing_text=level.letter_closing or "",
            invoices=invoices,
            upcoming=upcoming,
            upcoming_claimed=upcoming_claimed,
            credits=credits,
            paused=paused,
            charges=charges,
            currency_symbol=record.currency_id.symbol,
            total_due=total,
            total_owed=owed,
            payment_instructions=instructions,
            payment_note=record._payment_note(total),
            qr_codes=record._letter_qr_codes(),
            signature_name=contact[0] or "",
            signature_title=labels["signature_office"],
            contact=[value for value in contact if value],
            is_formal_notice=level.is_formal_notice,
            watermark=record._letter_watermark(labels),
            portal_url=record._portal_url(),
            portal_caption=record._portal_caption(),
        )

    def _company_logo_png(self):
        """The company logo as bytes (the web client reads binaries as their
        size: ask for the content itself)."""
        logo = self.company_id.with_context(bin_size=False).logo
        return base64.b64decode(logo) if logo else None

    def _letter_charges(self):
        """Interest, compensation and fee, each with its basis."""
        charges = []
        money = self.currency_id
        if self.interest_amount:
            law = (
                _("D.Lgs. 231/2002: ECB rate + 8 points")
                if self.is_b2b
                else _("legal rate, art. 1284 c.c.")
            )
            charges.append(
                lr.LetterCharge(
                    label=_(
                        "Late payment interest on each overdue invoice, from its due "
                        "date to %(date)s (%(law)s)",
                        date=lr.format_date(self.date, self._letter_lang()),
                        law=law,
                    ),
                    amount=_decimal(self.interest_amount),
                )
            )
        if self.compensation_amount:
            count = len(
                self.line_ids.filtered(
                    lambda line: line.include and line.compensation_amount
                )
            )
            charges.append(
                lr.LetterCharge(
                    label=_(
                        "Fixed compensation for recovery costs (art. 6 D.Lgs. "
                        "231/2002): %(count)s x 40 EUR",
                        count=count,
                    ),
                    amount=_decimal(self.compensation_amount),
                )
            )
        if self.fee_amount:
            label = _("Reminder fee")
            if self.fee_detail:
                label = _("Reminder fee (%s)", self.fee_detail)
            charges.append(
                lr.LetterCharge(
                    label=label, amount=_decimal(money.round(self._fee_in_currency()))
                )
            )
        return charges

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _render_letter_pdf(self):
        pdf = lr.render_letter(self._prepare_letter())
        notice = self._pagopa_payable_notice()
        return merge_pdf([pdf, notice._render_pdf()]) if notice else pdf

    @api.model
    def _render_letters_pdf(self, communications):
        """One PDF of many letters: the stored ones merged, others rendered,
        a letter in memory at a time (dunning_communication_letters.py)."""
        return self._merged_letters_pdf(communications)

    def _attach_letter(self):
        """The letter as it goes out, kept on the reminder."""
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
        self._write_controlled({"letter_attachment_id": attachment.id})
        return attachment

    def _letter_file_name(self):
        name = self.name if self.name != DRAFT_NAME else _("Draft")
        return f"{name.replace('/', '-')} {self.partner_id.name}"[:120]

    def _prepare_documents(self):
        """What must exist before the reminder goes out: its number, payment
        images and, unless it waits for its pagoPA notice, its letter. A letter that
        cannot be made fails the reminder here, before anything is sent."""
        self.ensure_one()
        self._assign_number()  # the documents quote it
        self._attach_payment_images()
        needs_letter = self.send_letter or (self.send_email and not self.email_to)
        if needs_letter and not self._pagopa_required():
            self._attach_letter()

    # ------------------------------------------------------------------
    # Email
    # ------------------------------------------------------------------

    def _statement_values(self, letter=None):
        letter = letter or self._prepare_letter()
        lang = letter.lang
        labels = lr.letter_labels(lang)

        def money(amount):
            return lr.format_money(amount, lang, letter.currency_symbol)

        summary = []
        muted, bold = (
            "color: #5F6B7A;",
            "font-weight: bold; border-top: 2px solid #1F3A5F;",
        )
        overdue = sum((line.residual for line in letter.invoices), Decimal(0))
        if letter.invoices and (letter.charges or letter.credits):
            summary.append(
                {
                    "label": labels["total_overdue"],
                    "amount": money(overdue),
                    "style": "",
                }
            )
        for charge in letter.charges:
            summary.append(
                {"label": charge.label, "amount": money(charge.amount), "style": ""}
            )
        if letter.credits:
            credits = sum((credit.amount for credit in letter.credits), Decimal(0))
            summary.append(
                {
                    "label": labels["less_credits"],
                    "amount": money(-credits),
                    "style": "",
                }
            )
        summary.append(
            {
                "label": labels["to_pay"],
                "amount": money(letter.total_due),
                "style": bold,
            }
        )
        if letter.total_owed is not None and letter.total_owed != letter.total_due:
            summary.append(
                {
                    "label": labels["total_owed"],
                    "amount": money(letter.total_owed),
                    "style": muted,
                }
            )
        return {
            "letter": letter,
            "labels": labels,
            "money": money,
            "date": lambda day: lr.format_date(day, lang) if day else "",
            "with_interest": any(line.interest for line in letter.invoices),
            "summary": summary,
            "qr_images": self._email_qr_images(),
            "portal_url": letter.portal_url,
            "education": self._statement_education(lang),
        }

    def _statement_education(self, lang):
        """The company's payment education texts, in courtesy reminders only
        (before anything is late, the tone that prevents it)."""
        level = self.level_id
        if level.delay_type != "due" or level.delay_days >= 0:
            return []
        return self.company_id._dunning_portal_education(lang)

    def _render_statement_html(self):
        self.ensure_one()
        values = self._statement_values()
        return (
            self.env["ir.qweb"]
            .with_context(lang=values["letter"].lang)
            ._render("dunning_advanced.reminder_statement", values)
        )

    def _render_emails(self):
        """{reminder id: rendered email values}, each template rendered once
        for all its reminders (per language). A group whose rendering fails is
        rendered again reminder by reminder, each in a savepoint: the one at
        fault ends in error, the others carry on. Returns the values of the
        reminders rendered."""
        result = {}
        # A job sending in batches gives one memo for all of them.
        memo = self.env.context.get(COMPILED_INLINE)
        memo = {} if memo is None else memo
        with_email = self.filtered(lambda c: c.send_email and c.email_to)
        for template, group in with_email.grouped(
            lambda c: c.level_id.mail_template_id
        ).items():
            if not template:
                continue
            # Its body compiled once for the group, not once per reminder.
            template = template.with_context(**{COMPILED_INLINE: memo})
            try:
                with self.env.cr.savepoint():
                    result.update(template._generate_template(group.ids, EMAIL_FIELDS))
                continue
            except Exception as error:  # one by one, below
                _logger.info("Rendering %s in one go failed: %s", template.name, error)
            group._isolated(
                lambda c, t=template: result.update(
                    t._generate_template(c.ids, EMAIL_FIELDS)
                )
            )
        return result

    def _queue_emails(self, rendered=None):
        """The emails of these reminders in Odoo's mail queue, created in one
        go, each with its letter, payment codes and pagoPA notice attached; a
        PEC address gets its email from the company's PEC mailbox."""
        rendered = dict(rendered or {})
        todo = self.filtered(lambda c: c.send_email and c.email_to)
        missing = todo.filtered(lambda c: c.id not in rendered)
        if missing:
            rendered.update(missing._render_emails())
        todo = todo.filtered(lambda c: c.id in rendered)
        frames = {}
        values_list, attachments_by_id = [], {}
        # Replies come back to the reminders (the company's catchall when there
        # is one): found for all of them at once, per sender.
        reply_to = {}
        for sender, group in (
            todo.filtered(lambda c: not c.via_pec)
            .grouped(lambda c: rendered[c.id].get("email_from"))
            .items()
        ):
            reply_to.update(group._notify_get_reply_to(default=sender))
        for communication in todo:
            values = rendered[communication.id]
            if not values.get("reply_to") and communication.id in reply_to:
                values = dict(values, reply_to=reply_to[communication.id])
            attachments = communication._email_attachments()
            attachments_by_id[communication.id] = attachments
            key = (communication.company_id, communication._letter_lang())
            if key not in frames:
                frames[key] = communication._email_frame()
            body = frames[key].replace(BODY_MARK, values.get("body_html") or "")
            values_list.append(
                communication._mail_values(values, Markup(body), attachments)
            )
        mails = self.env["mail.mail"].sudo().create(values_list)
        for communication, mail in zip(todo, mails, strict=True):
            communication._write_controlled({"mail_id": mail.id})
            if communication.via_pec:
                communication._log_pec_sending(
                    mail, attachments_by_id[communication.id]
                )
        return mails

    def _email_attachments(self):
        self.ensure_one()
        attachments = self.letter_attachment_id | self._email_payment_attachments()
        notice = self._pagopa_payable_notice()
        if notice:
            attachments |= notice._notice_attachment()
        return attachments

    def _mail_values(self, values, body, attachments):
        """The mail.mail of this reminder from its rendered template."""
        self.ensure_one()
        mail_values = {
            "subject": values.get("subject") or self.level_id.name,
            "body_html": body,
            # The email's message is not shown in the chatter (outgoing):
            # its body is not sanitized again, the email carries body_html.
            "body": "",
            "email_from": values.get("email_from"),
            # Replies come back to this reminder (the company's catchall when
            # there is one) and are copied to the customer; a PEC is answered
            # to the PEC address it comes from.
            "reply_to": values.get("reply_to")
            or (
                not self.via_pec
                and self._notify_get_reply_to(default=values.get("email_from"))[self.id]
            ),
            "email_cc": values.get("email_cc"),
            "email_to": self.email_to,
            "model": self._name,
            "res_id": self.id,
            "record_name": self.display_name,
            "auto_delete": False,
            "attachment_ids": [Command.set(attachments.ids)],
        }
        company = self.company_id
        if self.via_pec:
            if company.dunning_pec_mail_server_id:
                mail_values["mail_server_id"] = company.dunning_pec_mail_server_id.id
            if company.dunning_pec_email_from:
                mail_values["email_from"] = company.dunning_pec_email_from
        if not mail_values["email_from"]:
            mail_values.pop("email_from")
        return mail_values

    def _email_frame(self):
        """The company's frame of its reminder emails in the customer's
        language, with BODY_MARK where the body goes (rendered once per
        company and language, see report/dunning_communication_templates.xml)."""
        company = self.company_id
        base_url = self.get_base_url()
        footer = " · ".join(
            part
            for part in (
                company.name,
                " ".join(filter(None, [company.street, company.zip, company.city])),
                company.vat and _("VAT %s", company.vat),
                company.phone,
                company.email,
            )
            if part
        )
        return str(
            self.env["ir.qweb"]
            .with_context(lang=self._letter_lang())
            ._render(
                "dunning_advanced.mail_layout_reminder",
                {
                    "body": BODY_MARK,
                    "company": company,
                    "logo_url": f"{base_url}/logo.png?company={company.id}",
                    "footer": footer,
                },
            )
        )

    def _log_pec_sending(self, mail, attachments):
        """Proof of a formal notice by PEC: when, to which address, with which
        documents (their SHA-256), under which Message-Id."""
        self.ensure_one()
        files = ", ".join(
            f"{attachment.name} (SHA-256 {hashlib.sha256(attachment.raw).hexdigest()})"
            for attachment in attachments
        )
        body = _(
            "Formal notice %(ref)s queued by PEC to %(address)s from %(sender)s, "
            "Message-Id %(message_id)s. Documents: %(files)s.",
            ref=self.name,
            address=self.email_to,
            sender=mail.email_from or "-",
            message_id=mail.message_id or "-",
            files=files or "-",
        )
        self._message_log(body=body)
        self.partner_id.commercial_partner_id.sudo()._message_log(body=body)
