"""Encryption of households' personal data at rest.

Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under keys derived
from ``PII_KEYS`` (newest first; a single ``PII_KEY`` is a list of one): a value is
written under the newest key and read under any of them (``MultiFernet``), so a new
key is put in front, ``manage.py pii_rotate`` re-encrypts everything under it, and
only then is the old key removed. An exact lookup uses a keyed hash (HMAC-SHA256)
under a key derived from ``PII_HASH_KEY``, a secret of its own that does not change
when the encryption keys rotate, so the database never holds a value or an unkeyed
hash of one. See the README, "Personal data".
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from common.masking import mask_id_number

__all__ = [
    "mask_id_number",
    "mask_name",
    "pii_decrypt",
    "pii_encrypt",
    "pii_fernets",
    "pii_hash",
    "pii_key_secrets",
]


def pii_key_secrets() -> tuple[str, ...]:
    """The encryption secrets, newest first: ``PII_KEYS``, else ``PII_KEY``, else ``SECRET_KEY``."""
    keys = tuple(key.strip() for key in getattr(settings, "PII_KEYS", None) or () if key.strip())
    if keys:
        return keys
    secret = settings.PII_KEY or settings.SECRET_KEY
    if not secret:
        raise ImproperlyConfigured("PII_KEYS (or PII_KEY) must be set to store personal data.")
    return (secret,)


def _hash_secret() -> str:
    """The lookup hash's secret: ``PII_HASH_KEY``, else the single ``PII_KEY`` it was derived from.

    With a list of encryption keys there is no "the" key to fall back on, and a wrong guess
    would make every lookup miss without a word: ``PII_HASH_KEY`` must then be set.
    """
    if getattr(settings, "PII_HASH_KEY", ""):
        return str(settings.PII_HASH_KEY)
    if getattr(settings, "PII_KEYS", None):
        raise ImproperlyConfigured(
            "PII_HASH_KEY must be set when PII_KEYS is: set it to the PII_KEY used so far "
            "(the lookup hashes stored were made with it)."
        )
    secret = settings.PII_KEY or settings.SECRET_KEY
    if not secret:
        raise ImproperlyConfigured("PII_KEY must be set to store personal data.")
    return str(secret)


@lru_cache(maxsize=16)
def _fernet(secret: bytes) -> Fernet:
    key = hashlib.sha256(b"yixiang-pii-encrypt:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def pii_fernets() -> list[Fernet]:
    """One Fernet per encryption secret, newest first."""
    return [_fernet(secret.encode()) for secret in pii_key_secrets()]


@lru_cache(maxsize=8)
def _multi(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(secret.encode()) for secret in secrets])


def pii_encrypt(value: str) -> str:
    """``value`` encrypted under the newest key."""
    return _multi(pii_key_secrets()).encrypt(value.encode()).decode()


def pii_decrypt(token: str) -> str:
    """The plain value of ``token``, written under any of the keys; none fits: ``ValueError``."""
    try:
        return _multi(pii_key_secrets()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "personal data cannot be decrypted with any of the PII_KEYS "
            "(a key was removed before pii_rotate finished, or the keys are wrong)"
        ) from exc


def pii_hash(value: str) -> str:
    key = hashlib.sha256(b"yixiang-pii-lookup:" + _hash_secret().encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_name(value: str) -> str:
    """The family name shown, the rest starred: 张** ."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
