"""The Content-Security-Policy middleware: django-csp's, with one path-scoped exception.

The policy is ``CONTENT_SECURITY_POLICY`` in settings (README "Content security").
Wagtail's page editor (``CONTENT_SECURITY_POLICY_INLINE_SCRIPT_PATHS``) writes inline
scripts into its forms (date pickers, inline panels) from templates rendered without the
request, so no nonce can reach them; there, and only there, script-src is
``'self' 'unsafe-inline'`` and Stripe, with no nonce (a nonce would make browsers ignore
'unsafe-inline').
"""

from __future__ import annotations

import re
from functools import cached_property

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

__all__ = ["ContentSecurityPolicyMiddleware"]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware. It sits first, so answers from caches carry the header too."""

    @cached_property
    def inline_script_paths(self) -> re.Pattern[str]:
        return re.compile(settings.CONTENT_SECURITY_POLICY_INLINE_SCRIPT_PATHS)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and self.inline_script_paths.match(request.path_info):
            parts.replace = {
                **(parts.replace or {}),
                "script-src": [SELF, UNSAFE_INLINE, settings.STRIPE_JS_ORIGIN],
            }
            parts.nonce = None
        return parts
