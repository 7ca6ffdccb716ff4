"""Encryption of households' personal data at rest.

Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under a key
derived from ``PII_KEY``; an exact lookup uses a keyed hash (HMAC-SHA256)
under a second key derived from the same secret, so the database never holds
a value or an unkeyed hash of one.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _secret() -> bytes:
    secret = settings.PII_KEY or settings.SECRET_KEY
    if not secret:
        raise ImproperlyConfigured("PII_KEY must be set to store personal data.")
    return secret.encode()


@lru_cache(maxsize=4)
def _fernet(secret: bytes) -> Fernet:
    key = hashlib.sha256(b"yixiang-pii-encrypt:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def pii_encrypt(value: str) -> str:
    return _fernet(_secret()).encrypt(value.encode()).decode()


def pii_decrypt(token: str) -> str:
    try:
        return _fernet(_secret()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with this PII_KEY") from exc


def pii_hash(value: str) -> str:
    key = hashlib.sha256(b"yixiang-pii-lookup:" + _secret()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters shown, the rest starred."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """The family name shown, the rest starred: 张** ."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
