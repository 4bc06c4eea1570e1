import base64
import hashlib
import io
import os

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_dunning_engine import DunningEngineCommon


def _pages_text(pdf):
    """The text of each page; strict parsing: a wrong byte offset in the
    cross-reference table fails here, as in a strict PDF viewer."""
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@tagged("post_install", "-at_install")
class TestRunLettersFile(DunningEngineCommon):
    """The run's print file holds every letter of the run, in order, page for
    page; it is written a letter at a time and stored like any attachment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # No email address: their friendly reminder goes out as a letter.
        cls.rossi = cls._create_customer("Rossi Forniture S.r.l.")
        cls.verdi = cls._create_customer("Verdi S.p.A.")
        # Posted on their day (later, the first one overdue would hold the
        # customer).
        with freeze_time("2026-01-31"):
            cls._invoice(cls.rossi, 1000.0, "2026-01-01", "2026-01-31")
            # Enough invoices for a letter of several pages ("Page x of y").
            for day in range(1, 29):
                cls._invoice(cls.verdi, 100.0 + day, f"2026-01-{day:02d}", "2026-01-31")

    def _letters(self, run):
        return run.communication_ids.filtered("letter_attachment_id")

    def _assert_letters_in_order(self, run, letters):
        pdf = run.letters_attachment_id.raw
        merged = _pages_text(pdf)
        expected = []
        for letter in letters:
            pages = _pages_text(letter.letter_attachment_id.raw)
            self.assertIn(letter.partner_id.name, pages[0])
            expected += pages
        self.assertEqual(merged, expected)
        return merged

    def test_every_letter_in_order_page_for_page(self):
        run = self._run("2026-02-07")
        letters = self._letters(run)
        self.assertEqual(letters.partner_id, self.rossi | self.verdi)
        verdi_pages = _pages_text(
            letters.filtered(
                lambda c: c.partner_id == self.verdi
            ).letter_attachment_id.raw
        )
        self.assertGreater(len(verdi_pages), 1)
        self.assertIn(f"1 of {len(verdi_pages)}", verdi_pages[0])
        merged = self._assert_letters_in_order(run, letters)
        self.assertEqual(len(merged), len(verdi_pages) + 1)
        # Each letter keeps its own page numbers.
        self.assertEqual(sum(f"1 of {len(verdi_pages)}" in page for page in merged), 1)

    def test_the_file_is_an_ordinary_attachment(self):
        run = self._run("2026-02-07")
        attachment = run.letters_attachment_id
        pdf = attachment.raw
        self.assertTrue(pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF"))
        self.assertEqual(base64.b64decode(attachment.datas), pdf)
        self.assertEqual(attachment.checksum, hashlib.sha1(pdf).hexdigest())
        self.assertEqual(attachment.file_size, len(pdf))
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("dunning.run", run.id)
        )
        self.assertEqual(attachment.name, f"Letters {run.name.replace('/', '-')}.pdf")
        self.assertTrue(os.path.isfile(attachment._full_path(attachment.store_fname)))
        # The same bytes attached the usual way are stored the same way.
        usual = self.env["ir.attachment"].create(
            {"name": "usual.pdf", "raw": pdf, "mimetype": "application/pdf"}
        )
        fields = ["store_fname", "checksum", "file_size", "mimetype", "index_content"]
        self.assertEqual(
            attachment.read(fields)[0] | {"id": 0}, usual.read(fields)[0] | {"id": 0}
        )
        # A download of the run's letters is that file.
        action = run.action_print_letters()
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")

    def test_a_letter_after_the_run_replaces_the_file(self):
        self.verdi.email = "amministrazione@verdi.example.com"
        run = self._run("2026-02-07")
        old = run.letters_attachment_id
        old_fname = old.store_fname
        old_path = old._full_path(old_fname)
        self.assertEqual(self._letters(run).partner_id, self.rossi)
        self.assertEqual(len(_pages_text(old.raw)), 1)
        # Verdi's email bounces: its reminder gets a letter, the run's file
        # gets the letter too.
        verdi = run.communication_ids.filtered(lambda c: c.partner_id == self.verdi)
        verdi._attach_letter()
        run._letters_changed()
        new = run.letters_attachment_id
        self.assertTrue(new)
        self.assertFalse(old.exists())
        self.assertNotEqual(new.store_fname, old_fname)
        self._assert_letters_in_order(run, self._letters(run))
        # The old file goes at the filestore's next clean-up, the new stays.
        self.env["ir.attachment"]._gc_file_store_unsafe()
        self.assertFalse(os.path.exists(old_path))
        self.assertTrue(os.path.isfile(new._full_path(new.store_fname)))
        self.assertEqual(
            len(_pages_text(new.raw)),
            1 + len(_pages_text(verdi.letter_attachment_id.raw)),
        )

    def test_attachments_kept_in_the_database(self):
        self.env["ir.config_parameter"].set_param("ir_attachment.location", "db")
        self.verdi.email = "amministrazione@verdi.example.com"
        run = self._run("2026-02-07")
        attachment = run.letters_attachment_id
        self.assertFalse(attachment.store_fname)
        self.assertEqual(attachment.db_datas, attachment.raw)
        self.assertEqual(attachment.checksum, hashlib.sha1(attachment.raw).hexdigest())
        self._assert_letters_in_order(run, self._letters(run))
        # Back to the filestore: letters kept in the database go into a file.
        self.env["ir.config_parameter"].set_param("ir_attachment.location", "file")
        verdi = run.communication_ids.filtered(lambda c: c.partner_id == self.verdi)
        verdi._attach_letter()
        self.assertTrue(verdi.letter_attachment_id.store_fname)
        run._letters_changed()
        attachment = run.letters_attachment_id
        self.assertTrue(attachment.store_fname)
        self.assertFalse(attachment.db_datas)
        self.assertEqual(attachment.checksum, hashlib.sha1(attachment.raw).hexdigest())
        letters = self._letters(run)
        self.assertFalse(
            letters.filtered(
                lambda c: c.partner_id == self.rossi
            ).letter_attachment_id.store_fname
        )
        self._assert_letters_in_order(run, letters)

    def test_letters_of_drafts_rendered_together(self):
        """What /dunning/letters/<ids> sends for several reminders: their
        letters one after the other, drafts rendered on the spot."""
        with freeze_time("2026-02-07"):
            wizard = self.env["dunning.run.wizard"].create(
                {"company_id": self.company.id}
            )
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
        drafts = run.communication_ids.filtered(
            lambda c: c.partner_id in (self.rossi | self.verdi)
        )
        self.assertEqual(len(drafts), 2)
        self.assertFalse(drafts.letter_attachment_id)
        pdf = self.env["dunning.communication"]._render_letters_pdf(drafts)
        pages = _pages_text(pdf)
        singles = [
            _pages_text(self.env["dunning.communication"]._render_letters_pdf(draft))
            for draft in drafts
        ]
        self.assertEqual(len(pages), sum(len(single) for single in singles))
        first = 0
        for draft, single in zip(drafts, singles, strict=True):
            self.assertIn(draft.partner_id.name, pages[first])
            self.assertIn("DRAFT", pages[first])
            first += len(single)

    def test_an_unreadable_letter_is_named_and_the_file_kept(self):
        run = self._run("2026-02-07")
        before = run.letters_attachment_id
        rossi = run.communication_ids.filtered(lambda c: c.partner_id == self.rossi)
        rossi.letter_attachment_id.raw = b"not a PDF"
        with self.assertRaisesRegex(UserError, f"letter of {rossi.display_name}"):
            run._letters_changed()
        self.assertEqual(run.letters_attachment_id, before)
        self.assertEqual(len(_pages_text(before.raw)), len(self._letters(run)) + 1)
