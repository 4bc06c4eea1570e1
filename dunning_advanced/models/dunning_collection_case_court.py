import dataclasses

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..lib import case_file as cf

# Names of the SdI's receipts on a FatturaPA file (Specifiche tecniche SdI,
# "Nomenclatura dei file"): <file name without .xml>_<type>_<number>.xml with
# RC delivery, MC failed delivery, NS rejection, NE outcome (PA), DT expiry,
# AT attestation of transmission, EC buyer's outcome.
SDI_RECEIPT_TYPES = ("RC", "MC", "NS", "NE", "DT", "AT", "EC", "SE")


class DunningCollectionCaseCourt(models.Model):
    """What a lawyer needs to file for a payment order (decreto ingiuntivo,
    art. 633 c.p.c.), and the final judgement that ends the proceedings.

    Apart from the stages and the handoff (dunning_collection_case.py): the
    case file gets the FatturaPA files with their SdI receipts, the debtor's
    VAT number and fiscal code, the delivery evidence of the reminders and the
    disputes; a final judgement (art. 2945 c. 2 and 2953 c.c.) sets the
    prescription of the case's invoices to 10 years from the day it became
    final.
    """

    _inherit = "dunning.collection.case"

    judgement_date = fields.Date(
        string="Judgement Final On",
        readonly=True,
        copy=False,
        tracking=True,
        help="The day the judgement (or the payment order not opposed) became "
        "final: the prescription of the invoices starts again, for 10 years "
        "(art. 2953 c.c.).",
    )
    judgement_reference = fields.Char(readonly=True, copy=False, tracking=True)
    judgement_attachment_id = fields.Many2one(
        "ir.attachment", string="Judgement", readonly=True, copy=False
    )
    dispute_warning = fields.Text(
        compute="_compute_dispute_warning",
        help="Invoices of the case with an open dispute.",
    )

    @api.depends("line_ids.move_id.dunning_dispute_ids.state")
    def _compute_dispute_warning(self):
        for case in self:
            case.dispute_warning = disputed_invoices_text(
                self.env, case.line_ids.move_id
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_judgement(self):
        self.ensure_one()
        self._check_credit_manager(
            _("Only Credit Managers record the judgement of a collection case.")
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Final Judgement"),
            "res_model": "dunning.collection.case.judgement",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_open_handoff(self):
        """Hand Over: choose (or confirm) the lawyer or agency first."""
        self.ensure_one()
        self.check_access("write")
        self._check_open()
        return {
            "type": "ir.actions.act_window",
            "name": _("Hand Over %s", self.name),
            "res_model": "dunning.collection.case.handoff.confirm",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_case_id": self.id,
                "default_agency_id": self.agency_id.id,
            },
        }

    def _record_judgement(self, final_on, served_on, reference, name, content):
        """Record the final judgement: the case keeps its date, reference and
        document; the act that started the proceedings, served on
        ``served_on``, is recorded as an interruption of the prescription of
        the invoices (art. 2943 c.c.) unless one is already there. Writes the
        case, an attachment and a prescription event."""
        self.ensure_one()
        self._check_credit_manager(
            _("Only Credit Managers record the judgement of a collection case.")
        )
        today = self._today()
        if final_on > today:
            raise UserError(
                _("A judgement cannot become final in the future (%s).", final_on)
            )
        if served_on > final_on:
            raise UserError(
                _(
                    "The claim was served on %(served)s, after the judgement became "
                    "final (%(final)s): check both dates.",
                    served=served_on,
                    final=final_on,
                )
            )
        moves = self.line_ids.move_id
        first_due = min(move._prescription_start_date() for move in moves)
        if served_on < first_due:
            raise UserError(
                _(
                    "The claim was served on %(served)s, before the first invoice "
                    "of the case was due (%(due)s): check the date.",
                    served=served_on,
                    due=first_due,
                )
            )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name or _("Judgement %s.pdf", self.name),
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        Event = self.env["dunning.prescription.event"].sudo()
        served = Event.search(
            [
                ("move_ids", "in", moves.ids),
                ("kind", "=", "legal_act"),
                ("date", "<=", final_on),
            ]
        )
        if not served:
            Event.create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "move_ids": [Command.set(moves.ids)],
                    "kind": "legal_act",
                    "date": served_on,
                    "proof_attachment_ids": [Command.set(attachment.ids)],
                    "note": _("Claim of %s served (judicial proceedings).", self.name),
                }
            )
        self.sudo().write(
            {
                "judgement_date": final_on,
                "judgement_reference": reference or False,
                "judgement_attachment_id": attachment.id,
            }
        )
        self.message_post(
            body=_(
                "Final judgement %(ref)s, final on %(date)s: the invoices now "
                "prescribe 10 years after that day (art. 2953 c.c.).",
                ref=reference or "",
                date=final_on,
            ),
            attachment_ids=attachment.ids,
        )
        return True

    # ------------------------------------------------------------------
    # Opening: warn about disputed invoices
    # ------------------------------------------------------------------

    @api.model
    def _open_or_update(self, partner, company, move_lines, *args, **kwargs):
        case = super()._open_or_update(partner, company, move_lines, *args, **kwargs)
        warning = disputed_invoices_text(self.env, move_lines.move_id)
        if case and warning:
            case.message_post(
                body=_(
                    "Disputed invoices put in the case: %s. Settle the dispute or "
                    "tell the lawyer before filing for a payment order.",
                    warning,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return case

    # ------------------------------------------------------------------
    # Case file for a payment order
    # ------------------------------------------------------------------

    def _party(self, partner, pec=""):
        """With the fiscal code of the localization (l10n_it_edi), if any."""
        party = super()._party(partner, pec)
        fiscal_code = ""
        if "l10n_it_codice_fiscale" in partner._fields:
            fiscal_code = (partner.l10n_it_codice_fiscale or "").strip().upper()
        return dataclasses.replace(party, fiscal_code=fiscal_code)

    def _prepare_case_file(self):
        """Adds the FatturaPA files and their SdI receipts, the delivery
        evidence attached to the reminders, the disputes and the judgement."""
        data, documents = super()._prepare_case_file()
        taken = {name for name, _content, _mimetype in documents}
        for attachment in self._edi_documents() | self._delivery_evidence():
            if attachment.name not in taken and attachment.raw:
                taken.add(attachment.name)
                documents.append(
                    (
                        attachment.name,
                        attachment.raw,
                        attachment.mimetype or "application/octet-stream",
                    )
                )
        disputes = (
            self.env["dunning.dispute"]
            .sudo()
            .search(
                [("move_id", "in", self.line_ids.move_id.ids)], order="create_date, id"
            )
        )
        data["disputes"] = cf.disputes_json(
            cf.Dispute(
                invoice=dispute.move_id.name,
                opened_on=fields.Date.to_date(dispute.create_date),
                reason=dispute.reason,
                state=dispute.state,
                resolved_on=dispute.resolution_date or None,
                resolution=dispute.resolution_note or "",
            )
            for dispute in disputes
        )
        if self.judgement_date:
            data["judgement"] = {"final_on": self.judgement_date.isoformat()}
            if self.judgement_reference:
                data["judgement"]["reference"] = self.judgement_reference
            judgement = self.judgement_attachment_id.sudo()
            if judgement and judgement.name not in taken:
                documents.append(
                    (judgement.name, judgement.raw, judgement.mimetype or "")
                )
        cf.validate_case_json(data)
        return data, documents

    def _edi_documents(self):
        """The FatturaPA XML of each invoice (l10n_it_edi) and the SdI's
        receipts attached to the invoice under its file name."""
        Attachment = self.env["ir.attachment"].sudo()
        found = Attachment
        moves = self.line_ids.move_id.sudo()
        if "l10n_it_edi_attachment_id" not in moves._fields:
            return found
        for move in moves:
            xml = move.l10n_it_edi_attachment_id
            if not xml:
                continue
            found |= xml
            stem = xml.name.rsplit(".", 1)[0]
            receipts = Attachment.search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", move.id),
                    ("name", "=like", stem + "\\_%"),
                ]
            )
            found |= receipts.filtered(
                lambda a, stem=stem: a.name[len(stem) + 1 :][:2] in SDI_RECEIPT_TYPES
            )
        return found

    def _delivery_evidence(self):
        """Whatever the reminders of the case carry as evidence: PEC receipts,
        signed return receipts, documents attached to them afterwards (not what
        was sent: the letters are in the file already)."""
        communications = self.communication_ids.sudo()
        sent = (
            communications.letter_attachment_id | communications.mail_id.attachment_ids
        )
        return (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "dunning.communication"),
                    ("res_id", "in", communications.ids),
                    ("id", "not in", sent.ids),
                ],
                order="id",
            )
        )


def disputed_invoices_text(env, moves):
    """ "INV/1 (reason), INV/2 (reason)" for the ``moves`` with an open dispute."""
    disputes = (
        env["dunning.dispute"]
        .sudo()
        .search([("move_id", "in", moves.ids), ("state", "=", "open")], order="id")
    )
    return ", ".join(
        "%s (%s)" % (dispute.move_id.name, (dispute.reason or "").strip()[:80])
        for dispute in disputes
    )
