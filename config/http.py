"""Request types for type checking."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request that only a logged-in user reaches (``login_required``, Oscar's dashboard).

    Annotating a view's ``request`` with it tells mypy that ``request.user`` is a
    ``User``, not ``AnonymousUser``, as django-stubs recommends.
    """

    user: User
