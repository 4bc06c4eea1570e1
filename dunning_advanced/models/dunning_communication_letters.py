import io
import os
import tempfile

from odoo import _, api, models
from odoo.exceptions import UserError

from ..report.pdf_stream import PdfConcatenator

# The document information of odoo.tools.pdf.merge_pdf's files.
PDF_INFO = {"Creator": "Odoo", "Producer": "Odoo"}


class DunningCommunication(models.Model):
    """Many letters as one PDF, a letter in memory at a time."""

    _inherit = "dunning.communication"

    @api.model
    def _write_letters_pdf(self, communications, output):
        """Write into ``output`` (a binary file open for writing) one PDF of
        the letters of ``communications``, in their order: the sent letter as
        it is stored, read from its file in the filestore; a letter not
        stored yet is rendered. Only one letter is in memory at a time
        (report/pdf_stream.py). Returns the number of pages."""
        Attachment = self.env["ir.attachment"]
        # Only the fields read here are fetched: the reminders' other fields
        # would fill the cache as the letters go by.
        communications = communications.with_context(prefetch_fields=False)
        with PdfConcatenator(output, PDF_INFO) as pdf:
            for communication in communications:
                attachment = communication.letter_attachment_id
                try:
                    if attachment.store_fname:
                        pdf.append(Attachment._full_path(attachment.store_fname))
                    elif attachment:  # kept in the database (ir_attachment.location)
                        pdf.append(io.BytesIO(attachment.raw))
                        attachment.invalidate_recordset(["raw", "db_datas"])
                    else:
                        pdf.append(io.BytesIO(communication._render_letter_pdf()))
                except (ValueError, OSError) as error:
                    # The cause names a file of the server: chained, not shown.
                    raise UserError(
                        _(
                            "The letter of %s cannot be read, so the letters cannot "
                            "be put together: check the letter attached to the "
                            "reminder.",
                            communication.display_name,
                        )
                    ) from error
        return pdf.page_count

    @api.model
    def _merged_letters_pdf(self, communications):
        """The letters of ``communications`` as one PDF (bytes): for a few
        letters (a download); a run's letters go through
        ``_attach_letters_pdf``, which keeps them out of memory."""
        if len(communications) == 1:
            attachment = communications.letter_attachment_id
            return attachment.raw if attachment else communications._render_letter_pdf()
        if not communications:
            return b""
        output = io.BytesIO()
        self._write_letters_pdf(communications, output)
        return output.getvalue()

    @api.model
    def _attach_letters_pdf(self, communications, vals):
        """A new attachment (created as superuser, with ``vals``: name,
        res_model, res_id...) holding the letters of ``communications`` as
        one PDF. The PDF is written to a temporary file a letter at a time
        and stored from there in chunks (ir.attachment's
        ``_dunning_create_from_file``): memory does not grow with the number
        of letters."""
        Attachment = self.env["ir.attachment"].sudo()
        # Next to the filestore, where the file goes: /tmp may be in memory.
        directory = None
        if Attachment._storage() == "file":
            directory = Attachment._filestore()
            os.makedirs(directory, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory) as output:
            self._write_letters_pdf(communications, output)
            output.flush()
            return Attachment._dunning_create_from_file(
                output, {"mimetype": "application/pdf", **vals}
            )
