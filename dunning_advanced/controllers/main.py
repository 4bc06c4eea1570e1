from odoo import http
from odoo.http import content_disposition, request

# One request renders at most this many letters (the run's merged PDF holds
# them all): a long list of ids must not tie up a worker.
MAX_LETTERS = 100


class DunningLetterController(http.Controller):
    @http.route("/dunning/letters/<string:ids>", type="http", auth="user")
    def dunning_letters(self, ids, **kwargs):
        """The letters of reminders as one PDF: the sent letter as it went out,
        a preview for a draft. Read access is checked as the user."""
        try:
            record_ids = [int(part) for part in ids.split(",") if part]
        except ValueError:
            return request.not_found()
        if len(record_ids) > MAX_LETTERS:
            return request.make_response(
                "At most %d letters at a time: print the run's letters instead."
                % MAX_LETTERS,
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=413,
            )
        communications = (
            request.env["dunning.communication"].browse(record_ids).exists()
        )
        if not communications:
            return request.not_found()
        communications.check_access("read")
        pdf = communications.sudo()._render_letters_pdf(communications.sudo())
        name = (
            f"{communications._letter_file_name()}.pdf"
            if len(communications) == 1
            else "letters.pdf"
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(name)),
            ],
        )
