from typing import Any

from django.db import models

from .monitoring.pii import pii_decrypt, pii_encrypt


class EncryptedTextField(models.TextField):
    """A text value stored encrypted; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return pii_decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return pii_encrypt(str(value))
