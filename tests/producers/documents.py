"""Real documents for the upload tests, made by reportlab and Pillow (not by the code under test)."""

import io

from PIL import Image
from reportlab.pdfgen import canvas


def pdf_bytes(*, password: str | None = None) -> bytes:
    """A one-page PDF, as a scanner or a word processor would write it."""
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=password)
    page.drawString(72, 720, "Business licence 91530113MA6K2Q8P1X")
    page.showPage()
    page.save()
    return out.getvalue()


def picture_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 60)).save(out, format=fmt)
    return out.getvalue()


# What the attacker uploads: a PDF header followed by a page of script.
EVIL_HTML = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n"
# A PNG signature followed by an SVG with script.
EVIL_SVG = (
    b"\x89PNG\r\n\x1a\n"
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
)
PLAIN_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/></svg>'
)
