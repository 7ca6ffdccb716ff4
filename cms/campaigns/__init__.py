"""Livestream campaigns (直播带货): everything a campaign does besides being a page.

The pages themselves (``CampaignIndexPage``, ``CampaignPage``) are in
``cms/models.py`` with the site's other pages; this package is what they build on.
Dependencies go one way: ``cms/models.py`` imports this package, nothing in
this package imports ``cms/models.py``. Layers, lowest first:

- ``state``: a campaign's state from the clock and the host (pure, no ORM).
- ``models``: the campaign's rows besides its page (hosts, producers, products,
  live controls, sharers, orders), in the ``cms`` app (same label, same tables),
  pointing at the page by name (``"cms.CampaignPage"``); ``campaign_pages()``,
  every campaign page, reached through that key. ``offers``: the campaign price
  as an Oscar benefit.
- ``pagecache``: the anonymous campaign page and the counters in the cache.
- ``services`` (writes) and ``selectors`` (reads), ``exports``, ``forms``.
- ``middleware`` (the ``?code=`` visit, the cached page and counters) and
  ``admin_views`` (the host's console, sharers, QR codes, the report).

How a function here gets at a page without importing its class: it takes the
page instance (``campaign``; annotated as Wagtail's ``Page``), or the index
page whose children it lists; and where it only has a code or an id (a visit,
a remembered session, the counters, the console's URL) it starts from
``campaign_pages()``, the page model behind the foreign key this package
declares to it. The pages call down into ``selectors`` and ``services`` for
their context, codes and serving.

Above the pages, at the top of ``cms/``, sit the entry points that name page
classes: ``receivers.py`` (publication of a ``CampaignPage``, a new
``CampaignIndexPage``, checkout's ``order_placing``, the payment events),
``views.py`` and ``urls.py`` (``/c/<code>/``, the counters), and
``wagtail_hooks.py`` (the console's admin URLs and menu).
"""
