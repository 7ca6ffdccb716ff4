"""The village notice list (公示名单): the households a village puts up for public notice.

A public notice names the household by its code and the head's masked name,
says why it is proposed (the warning level and how it was found) and when
objections may be raised, and to whom. It never shows an ID number, a phone
number of a household, a bank account or a health detail: the cause of a
rigid expenditure (因病、因残…) is never printed.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..models import Clue, MonitoringSettings, Region
from .pii import mask_name

FONT = "STSong-Light"  # one of reportlab's built-in CID fonts: no font file needed
PHONE = re.compile(r"^[0-9][0-9\- ]{5,18}[0-9]$")


@dataclass(frozen=True)
class NoticeRow:
    code: str
    name_masked: str
    reason: str
    notice_from: datetime.date
    notice_to: datetime.date


@dataclass(frozen=True)
class NoticeList:
    village: Region
    start: datetime.date
    end: datetime.date
    notice_days: int
    rows: list[NoticeRow]

    @property
    def contact(self) -> str:
        return self.village.notice_contact

    @property
    def phone(self) -> str:
        return self.village.notice_phone

    @property
    def title(self) -> str:
        return _("%(village)s list of households proposed for monitoring (public notice)") % {
            "village": self.village.full_name
        }


def _reason(clue: Clue) -> str:
    """Why the household is proposed: its warning level and how it was found, nothing more."""
    channel = clue.get_channel_display()
    if clue.level is None:
        return channel
    return _("Warning level %(level)s (%(channel)s)") % {
        "level": clue.get_level_display(),
        "channel": channel,
    }


def notice_list(*, village: Region, start: datetime.date, end: datetime.date) -> NoticeList:
    """The clues of a village whose notice was posted between ``start`` and ``end`` (inclusive),
    unless the clue was since dismissed, in order of posting."""
    if village.level != Region.Level.VILLAGE:
        raise ValidationError(_("Choose a village."))
    if end < start:
        raise ValidationError(_("The period ends before it starts."))
    clues = (
        Clue.objects.filter(notice_from__gte=start, notice_from__lte=end)
        .exclude(stage=Clue.Stage.DISMISSED)
        .filter(household__region=village)
        .select_related("household")
        .order_by("notice_from", "household__code")
    )
    rows = [
        NoticeRow(
            code=clue.household.code,
            name_masked=mask_name(clue.household.head_name),
            reason=_reason(clue),
            notice_from=clue.notice_from,
            notice_to=clue.notice_to or clue.notice_from,
        )
        for clue in clues
        if clue.household is not None and clue.notice_from is not None
    ]
    return NoticeList(
        village=village,
        start=start,
        end=end,
        notice_days=MonitoringSettings.load().notice_days,
        rows=rows,
    )


def village_notice_contact_set(*, village: Region, contact: str, phone: str) -> Region:
    """Who takes objections to the village's notices: a village official, printed on the list."""
    contact, phone = contact.strip(), phone.strip()
    errors = {}
    if village.level != Region.Level.VILLAGE:
        raise ValidationError(_("Choose a village."))
    if not contact:
        errors["contact"] = _("Give the name of the official who takes objections.")
    if not PHONE.match(phone):
        errors["phone"] = _("Give a phone number of 7 to 20 digits (dashes and spaces allowed).")
    if errors:
        raise ValidationError(errors)
    village.notice_contact, village.notice_phone = contact[:64], phone
    village.save(update_fields=["notice_contact", "notice_phone"])
    return village


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def notice_pdf(notice: NoticeList) -> bytes:
    """The notice list as an A4 PDF, in reportlab's built-in Chinese font."""
    if not notice.contact or not notice.phone:
        raise ValidationError(
            _("Set the contact for objections before printing the village notice list.")
        )
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=notice.title,
    )
    header = [
        _("No."),
        _("Household code"),
        _("Head of household"),
        _("Reason for inclusion"),
        _("Notice from"),
        _("Notice to"),
    ]
    data: list[list[object]] = [[_p(text, cell) for text in header]]
    for number, row in enumerate(notice.rows, start=1):
        data.append(
            [
                str(number),
                _p(row.code, cell),
                _p(row.name_masked, cell),
                _p(row.reason, cell),
                row.notice_from.isoformat(),
                row.notice_to.isoformat(),
            ]
        )
    if not notice.rows:
        data.append(["", _p(_("No household in this period."), cell), "", "", "", ""])
    table = Table(
        data,
        colWidths=[10 * mm, 34 * mm, 24 * mm, 56 * mm, 25 * mm, 25 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story = [
        _p(notice.title, title),
        Spacer(1, 4 * mm),
        _p(_notice_intro(notice), body),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        _p(_notice_objections(notice), body),
    ]
    document.build(story)
    return buffer.getvalue()


def _notice_intro(notice: NoticeList) -> str:
    return _(
        "The following households were verified by home visit and data cross-check and are "
        "proposed for inclusion as monitoring targets. Each is on public notice for at least "
        "%(days)s days. Period: %(start)s to %(end)s."
    ) % {"days": notice.notice_days, "start": notice.start, "end": notice.end}


def _notice_objections(notice: NoticeList) -> str:
    return _(
        "Anyone with an objection may raise it during the notice period with %(contact)s, "
        "phone %(phone)s."
    ) % {"contact": notice.contact, "phone": notice.phone}


def notice_texts(notice: NoticeList) -> tuple[str, str]:
    """The notice's introduction and objections paragraphs, for the HTML page."""
    return _notice_intro(notice), _notice_objections(notice)
