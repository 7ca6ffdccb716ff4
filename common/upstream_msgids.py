"""Oscar's and Wagtail's strings shown on our pages that their zh_Hans catalogues leave
untranslated (or lack: Oscar's catalogues predate some of its 4.x templates).

Nothing imports this module: ``makemessages`` reads it, so these msgids reach our
locale/zh_Hans django.po, where locale/tools/zh_hans_orders.tsv translates them. Django
looks in LOCALE_PATHS before the apps' own catalogues, so our translation wins.
tests/common/test_untranslated.py finds the next ones.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

OSCAR = (
    # oscar/basket/messages/new_total.html (a blocktrans kept as written, spaces and all)
    gettext_noop("\n        Your basket total is now <strong>%(total)s</strong>\n        "),
    # oscar/customer/anon_order_form.html: the guest's order-status prompt
    gettext_noop("Enter the following information you used for this order"),
    # the dashboard's lists and the product form
    gettext_noop("choose action"),
    gettext_noop(
        '<span class="selected-records">0</span> of '
        '<span class="page-records-count">%(count)s</span> selected'
    ),
    gettext_noop("Active <em>%(offer_type)s</em> Offers"),
    gettext_noop("Active <em>Site</em> Offers"),
    gettext_noop("Make products public"),
    gettext_noop("Make products non-public"),
    gettext_noop("Update product prices"),
    gettext_noop("Search engine optimisation"),
    gettext_noop("Meta title"),
    gettext_noop("Meta description"),
    gettext_noop("Leave blank to generate from product title"),
)

WAGTAIL = (
    gettext_noop("Edit account avatar"),
    gettext_noop("Search all pages…"),
    gettext_noop("Wagtail %(current_version)s editor guide"),
    # the CMS home's summary (wagtail_hooks' construct_homepage_summary_items)
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        "total",
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
        "total",
    ),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
        "total",
    ),
)
