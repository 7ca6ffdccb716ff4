"""``{% personal_part "template" %}``: include a part of the page that belongs to one visitor.

It renders the include as usual, inside a marker that ``static/js/personal-parts.js``
fills with the visitor's own copy when the page came from the shared cache
(``cms/campaigns/personal.py``). Only the templates in ``PERSONAL_PARTS`` may be marked.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from cms.campaigns.personal import PERSONAL_PARTS

register = template.Library()


@register.simple_tag(takes_context=True)
def personal_part(context: template.Context, name: str) -> str:
    if name not in PERSONAL_PARTS:
        raise template.TemplateSyntaxError(
            f"{name} is not in cms.campaigns.personal.PERSONAL_PARTS"
        )
    # As {% include %} does: the page's own context, its processors not run again.
    assert context.template is not None  # set while a template renders
    included = context.template.engine.get_template(name)
    with context.push():
        inner = included.render(context)
    return format_html('<div class="yx-personal" data-yx-personal="{}">{}</div>', name, inner)
