"""Template library ``html_clean`` (registered in settings' TEMPLATES): ``{{ text|clean_html }}``.

Used wherever a page prints HTML that an outsider wrote, in place of ``|safe``.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from .html import clean_html as sanitise

register = template.Library()


@register.filter(name="clean_html")
def clean_html(text: object) -> SafeString:
    """``text`` through the allow-list of ``common.html``, safe to print as it is."""
    return mark_safe(sanitise(text))  # noqa: S308  (the allow-list is what makes it safe)
