"""Many PDF files concatenated into one, written as it goes.

PyPDF2's ``PdfWriter`` (and so ``odoo.tools.pdf.merge_pdf``) keeps every
page it is given, and with it the reader and bytes of every source document,
until ``write()``: memory grows with the number of letters (543 MB for a
dunning run of 1,627 letters). Here each source is parsed with PyPDF2 (the
parser Odoo uses), its pages and every object they reach are written to the
output at once under new object numbers, and the source is let go. What stays
in memory is an integer per object written (its byte offset), one per page,
and the digest of each stream that refers to no other object (font programs,
images): one that comes again (the same font subset in many letters) is
written once, as PyPDF2's writer shares identical objects. A few MB for tens
of thousands of letters.

The output follows the file structure of ISO 32000-1:2008 (PDF 1.7) §7.5:
header, the objects, a cross-reference table (§7.5.4) and the trailer
(§7.5.5). Its page tree (§7.7.3) is one node whose kids are the pages of
every source in order; what a page inherited from its source's tree
(Resources, MediaBox, CropBox, Rotate: §7.7.3.4) is copied onto it.
Stream data is copied as it is, never decoded. As with ``merge_pdf``, the
sources' document-level parts (outlines, named destinations, forms,
metadata) are not carried over; each page keeps what it draws and its links.
"""

import hashlib
import io
from array import array
from collections import deque
from typing import BinaryIO

from odoo.tools.pdf import PdfReader, generic

# Attributes a page takes from its ancestors when it does not set them itself
# (ISO 32000-1:2008 §7.7.3.4).
INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
PAGES_ROOT = 1  # object numbers of the output's page tree node...
CATALOG = 2  # ...and document catalog, written last
HEADER_VERSION = (1, 4)


class PdfConcatenator:
    """Write the pages of many PDF documents, in order, into one PDF file.

    ::

        with open(path, "wb") as output, PdfConcatenator(output) as pdf:
            for source in sources:  # paths or binary files, read one at a time
                pdf.append(source)

    ``output`` is a binary file open for writing, that tells its position
    (byte offsets of the objects); the PDF starts where it stands. It is a
    complete PDF once ``close()`` (or the end of the ``with``) returns.
    ``info`` gives the document information dictionary (§14.3.3), e.g.
    ``{"Producer": "Odoo"}``.
    """

    def __init__(self, output: BinaryIO, info: dict[str, str] | None = None) -> None:
        self._out = output
        self._start = output.tell()
        self._info = info or {}
        # Byte offset of object n at index n - 1 (0 until written).
        self._offsets = array("q", [0, 0])
        self._kids = array("q")
        # Streams already written that refer to no other object (font
        # programs, images, ToUnicode maps), by digest of what is written:
        # the same font subset in many letters is written once.
        self._shared: dict[bytes, int] = {}
        self._version = HEADER_VERSION
        self._closed = False
        self._broken = False
        # A binary comment after the header tells transfer programs the file
        # is binary (§7.5.2).
        self._out.write(b"%%PDF-%d.%d\n%%\xe2\xe3\xcf\xd3\n" % HEADER_VERSION)

    def __enter__(self) -> "PdfConcatenator":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def append(self, source: str | BinaryIO) -> int:
        """Write every page of ``source`` (a path or a binary file open for
        reading) after the pages already written; return its page count.
        Raises ValueError for a file that is not a readable PDF."""
        self._check_open()
        if isinstance(source, str):
            with open(source, "rb") as stream:
                return self._append(stream, source)
        return self._append(source, getattr(source, "name", "the document"))

    def close(self) -> int:
        """Write the page tree, the catalog, the cross-reference table and
        the trailer; return the number of pages."""
        if self._closed:
            return self.page_count
        self._check_open()
        self._closed = True
        out = self._out
        self._offsets[PAGES_ROOT - 1] = self._position()
        out.write(
            b"%d 0 obj\n<< /Type /Pages /Count %d /Kids ["
            % (PAGES_ROOT, len(self._kids))
        )
        for start in range(0, len(self._kids), 1000):
            chunk = self._kids[start : start + 1000]
            out.write(b"".join(b" %d 0 R" % number for number in chunk))
        out.write(b" ] >>\nendobj\n")
        self._offsets[CATALOG - 1] = self._position()
        version = b""
        if self._version > HEADER_VERSION:  # §7.2.2: overrides the header's
            version = b" /Version /%d.%d" % self._version
        out.write(
            b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R%s >>\nendobj\n"
            % (CATALOG, PAGES_ROOT, version)
        )
        info = b""
        if self._info:
            number = self._new_number()
            self._offsets[number - 1] = self._position()
            out.write(b"%d 0 obj\n<<" % number)
            for key, value in self._info.items():
                out.write(b" ")
                generic.NameObject(f"/{key}").write_to_stream(out, None)
                out.write(b" ")
                generic.create_string_object(value).write_to_stream(out, None)
            out.write(b" >>\nendobj\n")
            info = b" /Info %d 0 R" % number
        xref = self._position()
        size = len(self._offsets) + 1
        # Entries of exactly 20 bytes, the end of line included (§7.5.4).
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(0, len(self._offsets), 1000):
            chunk = self._offsets[start : start + 1000]
            out.write(b"".join(b"%010d 00000 n \n" % offset for offset in chunk))
        out.write(
            b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, CATALOG, info, xref)
        )
        return self.page_count

    # ------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("The PDF is already closed: nothing can be added.")
        if self._broken:
            raise ValueError(
                "A document failed halfway through being added: this PDF is "
                "incomplete, make it again without that document."
            )

    def _position(self) -> int:
        return self._out.tell() - self._start

    def _new_number(self) -> int:
        self._offsets.append(0)
        return len(self._offsets)

    def _append(self, stream: BinaryIO, name: str) -> int:
        reader = None
        objects = len(self._offsets)
        try:
            reader = PdfReader(stream, strict=False)
            return self._copy(reader, name)
        except Exception as error:
            # Refused before a byte was written, the output goes on without
            # it; a source broken halfway spoils it.
            self._broken = len(self._offsets) > objects
            if isinstance(error, ValueError):
                raise
            # PyPDF2 raises many kinds on a broken file.
            raise ValueError(f"{name} is not a readable PDF file: {error}") from error
        finally:
            if reader is not None:
                # The reader and the objects it parsed refer to each other
                # (each reference knows its reader): a cycle that only a full
                # garbage collection frees, and in a process the size of
                # Odoo's that comes thousands of letters later, every letter's
                # bytes held until then. Cut now, they go at once.
                vars(reader).clear()

    def _copy(self, reader: PdfReader, name: str) -> int:
        """Write the pages of the document ``reader`` reads."""
        if reader.is_encrypted:
            raise ValueError(f"{name} is encrypted: it cannot be merged.")
        pages = list(reader.pages)
        self._version = max(self._version, _header_version(reader))
        numbers = {}  # (number, generation) in the source -> number here
        queue = deque()
        for page in pages:
            # The page tree nodes above the page become the output's one node.
            node = page.raw_get("/Parent") if "/Parent" in page else None
            while isinstance(node, generic.IndirectObject):
                numbers[(node.idnum, node.generation)] = PAGES_ROOT
                parent = node.get_object()
                node = parent.raw_get("/Parent") if "/Parent" in parent else None
        for page in pages:
            number = self._new_number()
            self._kids.append(number)
            ref = page.indirect_reference
            if ref is not None:  # links of other pages may point at it
                numbers[(ref.idnum, ref.generation)] = number
            queue.append((number, _standalone_page(page)))

        def reference(ref: generic.IndirectObject) -> int:
            key = (ref.idnum, ref.generation)
            number = numbers.get(key)
            if number is None:
                obj = ref.get_object()
                digest = _leaf_stream_digest(obj)
                number = self._shared.get(digest) if digest else None
                if number is None:
                    number = self._new_number()
                    queue.append((number, obj))
                    if digest:
                        self._shared[digest] = number
                numbers[key] = number
            return number

        while queue:
            number, obj = queue.popleft()
            self._offsets[number - 1] = self._position()
            self._out.write(b"%d 0 obj\n" % number)
            _write(self._out, obj, reference)
            self._out.write(b"\nendobj\n")
        return len(pages)


class _OutputReference(generic.PdfObject):
    """A reference to an object of the output, not of a source."""

    def __init__(self, number: int) -> None:
        self.number = number

    def write_to_stream(self, stream, encryption_key=None) -> None:
        stream.write(b"%d 0 R" % self.number)


def _header_version(reader: PdfReader) -> tuple[int, int]:
    header = reader.pdf_header  # "%PDF-1.4"
    try:
        major, minor = header.split("-", 1)[1].split(".", 1)
        return (int(major), int(minor[:1]))
    except (IndexError, ValueError):
        return HEADER_VERSION


def _standalone_page(page: generic.DictionaryObject) -> generic.DictionaryObject:
    """The page dictionary with what it inherits written into it and its
    parent being the output's page tree node."""
    result = generic.DictionaryObject()
    for key, value in page.items():  # values as stored: references stay
        if key != "/Parent":
            result[key] = value
    node = page
    while "/Parent" in node and not all(key in result for key in INHERITABLE):
        node = node["/Parent"]
        for key in INHERITABLE:
            if key not in result and key in node:
                result[generic.NameObject(key)] = node.raw_get(key)
    result[generic.NameObject("/Parent")] = _OutputReference(PAGES_ROOT)
    return result


def _refers(obj) -> bool:
    """Whether a direct object holds an indirect reference."""
    if isinstance(obj, generic.IndirectObject):
        return True
    if isinstance(obj, generic.DictionaryObject):
        return any(_refers(value) for value in obj.values())
    if isinstance(obj, generic.ArrayObject):
        return any(_refers(item) for item in obj)
    return False


def _leaf_stream_digest(obj) -> bytes | None:
    """The SHA-1 of a stream as written, when it refers to no other object
    (so that two such streams with one digest are interchangeable), else
    None."""
    if not isinstance(obj, generic.StreamObject):
        return None
    if any(_refers(value) for key, value in obj.items() if key != "/Length"):
        return None
    written = io.BytesIO()
    _write(written, obj, None)
    return hashlib.sha1(written.getbuffer()).digest()


def _write(out: BinaryIO, obj, reference) -> None:
    """Serialize ``obj`` as PyPDF2 does, each indirect reference replaced by
    the output's number for it (``reference(ref)``)."""
    if isinstance(obj, generic.IndirectObject):
        out.write(b"%d 0 R" % reference(obj))
    elif isinstance(obj, generic.DictionaryObject):
        is_stream = isinstance(obj, generic.StreamObject)
        out.write(b"<<")
        for key, value in obj.items():
            if is_stream and key == "/Length":
                continue  # may be a reference; written below from the data
            out.write(b"\n")
            generic.NameObject(key).write_to_stream(out, None)
            out.write(b" ")
            _write(out, value, reference)
        if is_stream:
            data = obj._data  # as stored in the source: still encoded
            out.write(b"\n/Length %d\n>>\nstream\n" % len(data))
            out.write(data)
            out.write(b"\nendstream")
        else:
            out.write(b"\n>>")
    elif isinstance(obj, generic.ArrayObject):
        out.write(b"[")
        for item in obj:
            out.write(b" ")
            _write(out, item, reference)
        out.write(b" ]")
    elif obj is None:
        out.write(b"null")  # a reference to nothing (§7.3.10)
    else:
        obj.write_to_stream(out, None)
