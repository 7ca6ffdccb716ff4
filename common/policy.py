"""Who may open each URL of the project: one declared policy per URL pattern.

Every URL pattern the resolver knows has a policy here, found by its name
("namespace:name", ``BY_NAME``) or, for a third-party bundle with one rule,
by the start of its route (``BY_PREFIX``, longest first; a name beats a prefix).
tests/common/test_authorisation_matrix.py walks every pattern, fails when one
has none, and requests each as every role (``common.roles``), failing when the
answer differs from the policy. A new URL is declared with one line in
``BY_NAME``; the README ("Roles and who may open what") shows the table by area.

A policy says:

- ``roles``: who may open the page, whatever object it names;
- ``own_roles`` and ``own``: who may open it for their own objects only (``own``
  names which: "order" the buyer's own order, "producer" its producer's, "unit"
  its work unit's, "area" the staff member's county, township or village,
  "campaign" the host's campaign, "documents" a producer's private files, which its
  own users and the monitoring staff of its area may read); anyone else gets 403 or 404;
- ``gate``: the bundle's own permissions decide inside (Wagtail's page, image and
  user permissions, Oscar's partner checks, django-admin's model permissions):
  the roles listed may get in, every other role is refused;
- ``post_only``: the page answers GET with 405 to those who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .roles import Role

EVERYONE = frozenset(Role)
SIGNED_IN = EVERYONE - {Role.VISITOR}
ADMIN = frozenset({Role.ADMINISTRATOR})
PLATFORM = frozenset({Role.ADMINISTRATOR, Role.OPERATIONS, Role.FINANCE})
FINANCE = frozenset({Role.ADMINISTRATOR, Role.FINANCE})
OPERATIONS = frozenset({Role.ADMINISTRATOR, Role.OPERATIONS})
MONITORING = frozenset({Role.COUNTY_MONITORING, Role.TOWNSHIP_REVIEWER, Role.VILLAGE_REVIEWER})
COUNTY = frozenset({Role.COUNTY_MONITORING})
UNIT = frozenset({Role.UNIT_BUYER, Role.UNIT_FINANCE, Role.UNIT_ADMINISTRATOR})
PRODUCER = frozenset({Role.PRODUCER})
HOST = frozenset({Role.CAMPAIGN_HOST})
#: Who may enter the back office (/cms/, Wagtail's ``access_admin``).
BACK_OFFICE = PLATFORM | MONITORING | HOST
#: Django's staff flag: the platform's own staff and monitoring staff.
STAFF = PLATFORM | MONITORING
NOBODY: frozenset[Role] = frozenset()
#: A unit's finance officer and administrator keep its invoice details and plan;
#: its buyers and administrator order.
UNIT_BOOKS = frozenset({Role.UNIT_FINANCE, Role.UNIT_ADMINISTRATOR})
UNIT_ORDERS = frozenset({Role.UNIT_BUYER, Role.UNIT_ADMINISTRATOR})
PAYOUTS = "county (or city) staff holding impact.add_payout record payouts for producers"


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role]
    own_roles: frozenset[Role] = NOBODY
    own: str = ""
    gate: bool = False
    post_only: bool = False
    note: str = ""


def allow(
    roles: frozenset[Role] = NOBODY,
    *,
    own: str = "",
    own_roles: frozenset[Role] = NOBODY,
    post_only: bool = False,
    note: str = "",
) -> Policy:
    return Policy(roles, own_roles, own, post_only=post_only, note=note)


def gate(roles: frozenset[Role], note: str) -> Policy:
    return Policy(roles, gate=True, note=note)


PUBLIC = allow(EVERYONE)
MEMBERS = allow(SIGNED_IN)

BY_PREFIX: dict[str, Policy] = {
    "django-admin/": gate(STAFF, "django-admin: staff get in, model permissions decide"),
    "cms/": gate(BACK_OFFICE, "Wagtail admin (access_admin): its own page/image/user permissions"),
    "shop/dashboard/": gate(
        PLATFORM | PRODUCER,
        "Oscar dashboard: the platform's staff; a producer's users within its own partner",
    ),
    "shop/accounts/": gate(SIGNED_IN, "Oscar's customer account: each user's own"),
    "shop/checkout/": gate(EVERYONE, "Oscar checkout: guests may check out"),
    "shop/basket/": gate(EVERYONE, "Oscar basket: each visitor's own"),
    "shop/catalogue/": gate(EVERYONE, "the catalogue and reviews (writing one needs signing in)"),
    "shop/offers/": PUBLIC,
    "shop/wishlists/": gate(EVERYONE, "a shared wish list, by its key"),
    "shop/password-reset/": PUBLIC,
    "documents/": gate(EVERYONE, "Wagtail documents: its collection privacy applies"),
    "_util/": PUBLIC,
}

BY_NAME: dict[str, Policy] = {
    # ------------------------------------------------------------- public site
    "set_language": PUBLIC,
    "healthz": PUBLIC,  # load balancers' liveness probe (config/health.py): "ok", nothing else
    "readyz": PUBLIC,  # readiness: each check's name and ok/error, no hosts or secrets
    "wagtail_serve": PUBLIC,
    "home": PUBLIC,
    "media": PUBLIC,  # /media/ with SERVE_MEDIA=true on one host (config/media.py)
    "search:search": PUBLIC,
    "address:divisions": PUBLIC,  # the address form's 省/市/区 list (public data, cached a day)
    "impact:declare": PUBLIC,
    "impact:public": PUBLIC,
    "impact:mine": MEMBERS,
    "campaigns:short-link": PUBLIC,
    "campaigns:counters": PUBLIC,
    "campaigns:personal": PUBLIC,
    "producers:list": PUBLIC,
    "producers:detail": PUBLIC,
    "producers:apply": MEMBERS,
    "producers:my-households": allow(own="producer", own_roles=PRODUCER),
    # A producer's licence and certificate scans (private storage, downloaded as attachments).
    "producers:licence-file": allow(OPERATIONS, own="documents", own_roles=PRODUCER | MONITORING),
    "producers:certificate-file": allow(
        OPERATIONS, own="documents", own_roles=PRODUCER | MONITORING
    ),
    "shop/accounts/login/": PUBLIC,
    # Our profile views at Oscar's paths (common/account_views.py): each user's own.
    "shop/accounts/profile/": MEMBERS,
    "shop/accounts/profile/edit/": MEMBERS,
    "customer:login": PUBLIC,
    "customer:register": PUBLIC,
    "customer:logout": PUBLIC,
    "customer:anon-order-form": allow(EVERYONE, note="by the order's signed hash"),
    "customer:anon-order": allow(EVERYONE, note="by the order's signed hash"),
    "customer:alert-create": allow(EVERYONE, note="a stock alert, by e-mail for visitors"),
    "shop/accounts/notifications/": allow(EVERYONE, note="a redirect to the inbox"),
    "password-reset": allow(frozenset({Role.VISITOR}), note="signed-in users are sent away"),
    "password-reset-done": allow(frozenset({Role.VISITOR})),
    "password-reset-confirm": allow(frozenset({Role.VISITOR})),
    "password-reset-complete": allow(frozenset({Role.VISITOR})),
    "admin:login": PUBLIC,
    "admin:logout": allow(EVERYONE, post_only=True),
    "admin:javascript-catalog": allow(EVERYONE, note="translations for the admin's scripts"),
    # ------------------------------------------------------------- payments
    "payments:stripe-webhook": allow(EVERYONE, post_only=True, note="Stripe, signed"),
    "payments:stripe-pay": allow(own="order", own_roles=SIGNED_IN),
    "payments:stripe-return": allow(own="order", own_roles=SIGNED_IN),
    "payments-dashboard:list": allow(FINANCE),
    "payments-dashboard:detail": allow(FINANCE),
    "payments-dashboard:transfer": allow(FINANCE, post_only=True),
    "payments-dashboard:refund": allow(FINANCE, post_only=True),
    # ------------------------------------------------------------- work units (storefront)
    "units:home": MEMBERS,
    "units:apply": MEMBERS,
    "units:invoice": allow(own="unit", own_roles=UNIT_BOOKS),
    "units:plan": allow(own="unit", own_roles=UNIT_BOOKS),
    "units:quick-order": allow(own="unit", own_roles=UNIT_ORDERS),
    "units:upload": allow(own="unit", own_roles=UNIT, post_only=True),
    "units:template": allow(own="unit", own_roles=UNIT),
    "units:lists": allow(own="unit", own_roles=UNIT),
    "units:list-reorder": allow(own="unit", own_roles=UNIT, post_only=True),
    "units:list-delete": allow(own="unit", own_roles=UNIT, post_only=True),
    "units:orders": allow(own="unit", own_roles=UNIT),
    "units:order": allow(own="unit", own_roles=UNIT),
    "units:inspect": allow(own="unit", own_roles=UNIT, post_only=True),
    "units:certificate": allow(own="unit", own_roles=UNIT),
    # ------------------------------------------------------------- Oscar dashboard: ours
    "dashboard:index": allow(PLATFORM, own="producer", own_roles=PRODUCER),
    "dashboard:login": PUBLIC,
    "dashboard:logout": PUBLIC,
    "dashboard:producer-impact": allow(ADMIN, own="producer", own_roles=PRODUCER),
    "dashboard:producer-arrears": allow(ADMIN, own="producer", own_roles=PRODUCER),
    "dashboard:producer-sales": allow(ADMIN, own="producer", own_roles=PRODUCER),
    "dashboard:producer-payouts": allow(own="producer", own_roles=PRODUCER),
    "dashboard:producer-payouts-record": allow(own="producer", own_roles=PRODUCER, post_only=True),
    "dashboard:producer-payouts-upload": allow(own="producer", own_roles=PRODUCER, post_only=True),
    "dashboard:producer-payouts-template": allow(own="producer", own_roles=PRODUCER),
    "dashboard:producer-payouts-reverse": allow(own="producer", own_roles=PRODUCER, post_only=True),
    "dashboard:producer-certificates": allow(PLATFORM, own="producer", own_roles=PRODUCER),
    "dashboard:producer-certificates-renew": allow(
        own="producer", own_roles=PRODUCER, post_only=True
    ),
    "dashboard:producer-certificates-review": allow(FINANCE, post_only=True),
    "dashboard:order-list": allow(ADMIN, own="producer", own_roles=PRODUCER),
    "dashboard:order-detail": allow(ADMIN, own="producer", own_roles=PRODUCER),
    # ------------------------------------------------------------- back office: monitoring
    "wagtailadmin_login": gate(EVERYONE, "public; the back office's own users are sent in"),
    "wagtailadmin_logout": PUBLIC,
    "wagtailadmin_javascript_catalog": PUBLIC,
    "wagtailadmin_sprite": PUBLIC,
    "wagtailadmin_password_reset": PUBLIC,
    "wagtailadmin_password_reset_done": PUBLIC,
    "wagtailadmin_password_reset_confirm": PUBLIC,
    "wagtailadmin_password_reset_complete": PUBLIC,
    "wagtailadmin_home": allow(BACK_OFFICE),
    "security_lockouts": allow(OPERATIONS),  # axes.delete_accessattempt: unlocks sign-ins
    "impact_households": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_household": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_household_reveal": allow(
        ADMIN,
        own="area",
        own_roles=MONITORING,
        post_only=True,
        note="the ID number only with impact.reveal_personal_data (county staff), logged",
    ),
    "impact_household_add_measure": allow(ADMIN, own="area", own_roles=MONITORING, post_only=True),
    "impact_household_edit": allow(
        ADMIN, own="area", own_roles=COUNTY, note="impact.change_household"
    ),
    "impact_household_add_income": allow(ADMIN, own="area", own_roles=COUNTY, post_only=True),
    "impact_household_add_expenditure": allow(ADMIN, own="area", own_roles=COUNTY, post_only=True),
    "impact_expenditure_resolve": allow(ADMIN, own="area", own_roles=COUNTY, post_only=True),
    "impact_clues": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_clue": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_clue_advance": allow(ADMIN, own="area", own_roles=MONITORING, post_only=True),
    "impact_notice_list": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_notice_list_pdf": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_notice_contact": allow(ADMIN, own="area", own_roles=MONITORING, post_only=True),
    "impact_import": allow(ADMIN),
    "impact_export": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_export_attribution": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_report_overview": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_report_platform": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_report_breakdown": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_report_arrears": allow(ADMIN, own="area", own_roles=MONITORING),
    # Gap to the line and the what-if (issue #21): platform operations see every county.
    "impact_report_gap": allow(OPERATIONS, own="area", own_roles=MONITORING),
    "impact_report_whatif": allow(OPERATIONS, own="area", own_roles=MONITORING),
    "impact_reassessment_runs": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_payout_follow_ups": allow(ADMIN, own="area", own_roles=MONITORING),
    "impact_payout_follow_up": allow(ADMIN, own="area", own_roles=MONITORING, post_only=True),
    "impact_attribution_quarantine": allow(OPERATIONS),  # retries failed attribution jobs
    "impact_payouts": allow(ADMIN, note=PAYOUTS),
    "impact_payouts_upload": allow(ADMIN, post_only=True, note=PAYOUTS),
    "impact_payouts_template": allow(ADMIN, note=PAYOUTS),
    "impact_payouts_producer": allow(ADMIN, note=PAYOUTS),
    "impact_payouts_producer-record": allow(ADMIN, post_only=True, note=PAYOUTS),
    "impact_payouts_producer-upload": allow(ADMIN, post_only=True, note=PAYOUTS),
    "impact_payouts_producer-template": allow(ADMIN, note=PAYOUTS),
    "impact_payouts_producer-reverse": allow(ADMIN, post_only=True, note=PAYOUTS),
    "impact_thresholds:index": allow(ADMIN),
    # ------------------------------------------------------------- back office: platform
    "producers_admin_list": allow(OPERATIONS, own="area", own_roles=MONITORING),
    "producers_admin_detail": allow(OPERATIONS, own="area", own_roles=MONITORING),
    "producers_admin_review": allow(
        OPERATIONS,
        own="area",
        own_roles=MONITORING,
        post_only=True,
        note="monitoring staff recommend; approving needs producers.change_producer",
    ),
    "producers_admin_add_link": allow(OPERATIONS, own="area", own_roles=MONITORING, post_only=True),
    "units_admin_list": allow(PLATFORM),
    "units_admin_detail": allow(PLATFORM),
    "units_admin_add": allow(OPERATIONS),
    "units_admin_review": allow(OPERATIONS, post_only=True),
    "units_admin_add_member": allow(OPERATIONS, post_only=True),
    "units_admin_invoice": allow(OPERATIONS, post_only=True),
    # ------------------------------------------------------------- back office: campaigns
    "cms_campaign_list": allow(BACK_OFFICE, note="lists the campaigns one may run"),
    "cms_campaign_console": allow(ADMIN, own="campaign", own_roles=HOST),
    "cms_campaign_control": allow(ADMIN, own="campaign", own_roles=HOST, post_only=True),
    "cms_campaign_sharer_add": allow(ADMIN, own="campaign", own_roles=HOST, post_only=True),
    "cms_campaign_qr": allow(ADMIN, own="campaign", own_roles=HOST),
    "cms_campaign_sharer_qr": allow(ADMIN, own="campaign", own_roles=HOST),
    "cms_campaign_report": allow(ADMIN, own="campaign", own_roles=HOST),
    "cms_campaign_plan": allow(OPERATIONS, own="campaign", own_roles=HOST),
    "cms_campaign_report_export": allow(ADMIN, own="campaign", own_roles=HOST),
}


def policy_for(*, name: str | None, route: str) -> Policy | None:
    """The declared policy of the pattern named ``name`` at ``route`` (None: undeclared)."""
    if name is not None and name in BY_NAME:
        return BY_NAME[name]
    if route in BY_NAME:
        return BY_NAME[route]
    for prefix in sorted(BY_PREFIX, key=len, reverse=True):
        if route.startswith(prefix):
            return BY_PREFIX[prefix]
    return None
