import contextlib
import hashlib
import os
import shutil

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_attachment import IrAttachment as BaseAttachment

CHUNK = 1 << 20  # bytes read at a time


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _dunning_create_from_file(self, file, vals):
        """An attachment with the content of ``file`` (a binary file open for
        reading, read from its start), without holding the content in memory
        when attachments go to the filestore: the file is copied there in
        chunks under its SHA-1, as ``_file_write`` would name it, then the
        record is created pointing at it with its ``checksum`` and
        ``file_size``. The record is then like any other: ``raw``, ``datas``,
        ``/web/content``, garbage collection of the file when it goes.

        With ``ir_attachment.location`` = ``db`` (or any storage but the
        filestore) the content is read and given as ``raw``: the ordinary way.

        ``vals`` are the other values of the attachment (name, mimetype,
        res_model, res_id...); the record is created with the environment's
        rights. Writes a file into the filestore (marked for the filestore's
        garbage collection, as Odoo's own, if the transaction rolls back)."""
        file.seek(0)
        if self._storage() != "file":
            return self.create({**vals, "raw": file.read()})
        sha1, size = hashlib.sha1(), 0
        for chunk in iter(lambda: file.read(CHUNK), b""):
            sha1.update(chunk)
            size += len(chunk)
        if not size:  # as create() does: no content, no file
            return self.create(vals)
        checksum = sha1.hexdigest()
        fname = self._dunning_store_file(file, checksum)
        attachment = self.create(vals)
        # ir.attachment's create() and write() drop these three (they are
        # computed from the content there); Odoo's _set_attachment_data
        # writes them past its override the same way.
        super(BaseAttachment, attachment.sudo()).write(  # pylint: disable=super-method-mismatch
            {
                "store_fname": fname,
                "checksum": checksum,
                "file_size": size,
                "db_datas": False,
                # What _index() gives a non-text file without a content
                # indexing module; the letters themselves are indexed each.
                "index_content": (attachment.mimetype or "").split("/")[0] or False,
            }
        )
        return attachment

    @api.model
    def _dunning_store_file(self, file, checksum):
        """Copy ``file`` into the filestore under ``checksum`` as
        ``_file_write`` does (layout of ``_get_path``: ``ab/abcdef...``), in
        chunks; its store_fname."""
        fname = f"{checksum[:2]}/{checksum}"
        full_path = self._full_path(fname)
        if os.path.isfile(full_path):  # the same content, stored before
            if not _same_content(file, full_path):
                raise UserError(_("The attachment collides with an existing file."))
            return fname
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        file.seek(0)
        try:
            with open(full_path, "wb") as stored:
                shutil.copyfileobj(file, stored, CHUNK)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(full_path)
            raise
        self._mark_for_gc(fname)  # removed by the GC if the transaction aborts
        return fname


def _same_content(file, path):
    """Whether ``file`` (from its start) and the file at ``path`` hold the
    same bytes, read a chunk at a time."""
    file.seek(0)
    with open(path, "rb") as stored:
        while True:
            chunk = file.read(CHUNK)
            if chunk != stored.read(CHUNK):
                return False
            if not chunk:
                return True
