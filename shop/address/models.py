"""The address app's models: Oscar's, unchanged (the fork changes only the forms)."""

from oscar.apps.address.models import *  # noqa: F403
