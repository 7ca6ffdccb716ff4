"""The Content-Security-Policy middleware: django-csp's, with the nonce for cached pages.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings; README "Content security".
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware

__all__ = ["ContentSecurityPolicyMiddleware"]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; sits first, so even answers from caches carry the header."""
