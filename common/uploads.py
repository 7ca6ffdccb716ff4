"""Uploaded documents (licences, test reports, certificate scans): parsed for real, stored
privately under a generated name, typed by what they are.

A document is accepted only if it IS a PDF (pypdf opens it: at least one page, not
locked by a password) or a JPEG, PNG or WebP picture (Pillow ``verify()`` and a full
``load()``), and at most 5 MB. Its name and extension come from what it is
(``<uuid4 hex>.pdf``), never from the uploader; an SVG or an HTML page is never
accepted, whatever its first bytes say.

Where documents are kept is the ``STORAGES["private"]`` alias (settings), a storage
outside ``MEDIA_ROOT`` with no URL: they are served only by the producers' permission-
checked download views (``producers.views.licence_file``, ``certificate_file``).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class DocumentType:
    extension: str
    content_type: str


PDF = DocumentType("pdf", "application/pdf")
# Pillow's format name → what the file is.
IMAGE_TYPES = {
    "JPEG": DocumentType("jpg", "image/jpeg"),
    "PNG": DocumentType("png", "image/png"),
    "WEBP": DocumentType("webp", "image/webp"),
}
# A file moved from public media that is not a document (before uploads were parsed):
# kept, but only ever served as bytes to download.
UNVERIFIED = DocumentType("bin", "application/octet-stream")

CONTENT_TYPES = {t.extension: t.content_type for t in (PDF, UNVERIFIED, *IMAGE_TYPES.values())}

NOT_A_DOCUMENT = _("Upload a PDF, or a JPEG, PNG or WebP picture.")


def content_type_of(name: str) -> str:
    """The content type of a stored document, by the extension its content gave it."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension, UNVERIFIED.content_type)


def _read(upload: IO[bytes] | File) -> bytes:
    upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    upload.seek(0)
    if isinstance(data, str):  # a text-mode file: not an upload
        raise ValidationError(NOT_A_DOCUMENT, code="invalid_document")
    return data


def _pdf(data: bytes) -> bool:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("The PDF is locked with a password: upload it without one."),
                code="encrypted_pdf",
            )
        return len(reader.pages) >= 1
    except ValidationError:
        raise
    except Exception:  # hostile input: any parser failure means "not a PDF"
        return False


def _image(data: bytes) -> DocumentType | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = IMAGE_TYPES.get(image.format or "")
                if kind is None:
                    return None
                image.verify()
            with Image.open(io.BytesIO(data)) as image:  # verify() leaves it unusable
                image.load()
        return kind
    except Exception:  # hostile input: any decoder failure means "not a picture"
        return None


def document_inspect(upload: IO[bytes] | File) -> DocumentType:
    """What the upload is (a PDF or a JPEG, PNG or WebP picture), or ValidationError."""
    data = _read(upload)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="too_large")
    if data.startswith(b"%PDF-") and _pdf(data):
        return PDF
    kind = _image(data)
    if kind is None:
        raise ValidationError(NOT_A_DOCUMENT, code="invalid_document")
    return kind


def document_name(kind: DocumentType) -> str:
    """A generated name for a stored document: nothing of the uploader's name survives."""
    return f"{uuid.uuid4().hex}.{kind.extension}"


def document_validate(value: File) -> None:
    """Model-field validator (``full_clean``): a new upload must be a document."""
    if isinstance(value, FieldFile) and getattr(value, "_committed", True):
        return  # already stored, checked when it was
    document_inspect(value)


def private_storage() -> Storage:
    """The storage of private documents: the ``STORAGES["private"]`` alias (settings)."""
    return storages["private"]


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on disk outside MEDIA_ROOT, with no public URL: served by a view only."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private documents have no URL: link to their download view.")


class DocumentFieldFile(FieldFile):
    """Saving a document inspects its content and names it after what it is."""

    def save(self, name: str, content: File, save: bool = True) -> None:
        kind = document_inspect(content)
        super().save(document_name(kind), content, save)


class DocumentField(models.FileField):
    """A PDF or picture, checked and named by its content, in the private storage."""

    attr_class = DocumentFieldFile
    default_validators = [document_validate]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("storage", private_storage)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": DocumentFormField, **kwargs})


class DocumentFormField(forms.FileField):
    """A form's document upload: refused with the reason unless it is a PDF or a picture."""

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        if isinstance(upload, UploadedFile):
            kind = document_inspect(upload)
            upload.content_type = kind.content_type  # what it is, not what the browser said
        return upload


def document_move_to_private(
    *, public: Storage, private: Storage, name: str, folder: str
) -> str | None:
    """Move a file stored under its uploader's name in public media to the private storage,
    under a generated name; return the new name (None when the file is missing).

    A file that is not a document (uploaded before uploads were parsed) is kept as
    ``<uuid>.bin``: it is only ever served for download as ``application/octet-stream``.
    """
    if not name or not public.exists(name):
        return None
    with public.open(name, "rb") as source:
        data = source.read()
    try:
        kind = document_inspect(io.BytesIO(data))
    except ValidationError:
        kind = UNVERIFIED
    new_name = private.save(f"{folder.rstrip('/')}/{document_name(kind)}", io.BytesIO(data))
    public.delete(name)
    return new_name
