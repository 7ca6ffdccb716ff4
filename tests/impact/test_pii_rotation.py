"""PII key rotation without downtime (issue #17): PII_KEYS, MultiFernet, pii_rotate.

Data written under key A; the keys become [B, A] (the site reads both, writes B);
``pii_rotate`` moves every value under B; then with [B] alone everything still
decrypts, and lookups by ID number (their hash has its own key) still find it.
The keys' derivation is written out here from the module's documented scheme, so a
token is checked against the key it must be under, not through the code under test.
"""

import base64
import hashlib
import hmac
import io
import re

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from impact.models import Declaration, Household
from impact.monitoring import keys
from impact.monitoring.pii import pii_hash

from . import factories

pytestmark = pytest.mark.django_db

KEY_A = "test-pii-key-not-for-production-0123456789"  # config/settings/test.py's PII_KEY
KEY_B = "a-new-pii-key-for-2027-6c1f0e"
KEY_C = "a-key-that-never-encrypted-anything"
# every column the project stores encrypted, by table
COLUMNS = {
    "impact_household": ["head_name", "id_number"],
    "impact_historicalhousehold": ["head_name", "id_number"],
    "impact_declaration": ["name", "id_number", "phone"],
}


def fernet(secret: str) -> Fernet:
    return Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(b"yixiang-pii-encrypt:" + secret.encode()).digest())
    )


def lookup_hash(secret: str, value: str) -> str:
    key = hashlib.sha256(b"yixiang-pii-lookup:" + secret.encode()).digest()
    return hmac.new(key, value.upper().encode(), hashlib.sha256).hexdigest()


def raw(table: str, column: str, pk: int, pk_column: str = "id") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def stored_values() -> int:
    """How many non-empty encrypted values the database holds, counted in SQL."""
    total = 0
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            for column in columns:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"  # noqa: S608
                )
                total += cursor.fetchone()[0]
    return total


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("pii_rotate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def under_a(settings):
    """A household (with its history copy) and a self-declaration written under key A only."""
    settings.PII_KEYS = []
    settings.PII_KEY = KEY_A
    settings.PII_HASH_KEY = ""
    household = factories.household(county_code="530113", code="ROT-1")
    household.id_number = "11010519491231002X"
    household.head_name = "测试轮换"
    household.save()
    declaration = Declaration.objects.create(
        name="申报人",
        id_number="11010519491231002X",
        phone="13800000000",
        village=household.region,
        cause="illness",
        amount="1200.00",
    )
    return household, declaration


def test_every_encrypted_column_is_found_history_tables_included():
    assert [column.label for column in keys.encrypted_columns()] == [
        "impact.Declaration.id_number",
        "impact.Declaration.name",
        "impact.Declaration.phone",
        "impact.HistoricalHousehold.head_name",
        "impact.HistoricalHousehold.id_number",
        "impact.Household.head_name",
        "impact.Household.id_number",
    ]


def test_rotate_to_a_new_key_then_drop_the_old_one(settings, under_a):
    household, declaration = under_a
    token = raw("impact_household", "id_number", household.pk)
    assert fernet(KEY_A).decrypt(token.encode()) == b"11010519491231002X"
    total = stored_values()
    assert total >= 7

    # the new key in front, the old one kept: the site reads both and writes the new one
    settings.PII_KEYS = [KEY_B, KEY_A]
    settings.PII_HASH_KEY = KEY_A  # the lookup hash keeps the secret it was made with
    assert Household.objects.get(pk=household.pk).id_number == "11010519491231002X"
    with pytest.raises(CommandError, match=f"还有 {total} 个值不在最新密钥下"):
        run("--check")

    done = run("--batch-size", "7")
    assert f"合计 {total} 个，本次重新加密 {total} 个" in done
    assert "impact.HistoricalHousehold.id_number：" in done
    assert f"合计 {total} 个，待重新加密 0 个" in run("--check")
    assert f"合计 {total} 个，本次重新加密 0 个" in run()  # a second run has nothing to do

    token = raw("impact_household", "id_number", household.pk)
    assert fernet(KEY_B).decrypt(token.encode()) == b"11010519491231002X"
    with pytest.raises(InvalidToken):
        fernet(KEY_A).decrypt(token.encode())
    history = household.history.latest()
    history_token = raw(
        "impact_historicalhousehold", "head_name", history.history_id, pk_column="history_id"
    )
    assert fernet(KEY_B).decrypt(history_token.encode()).decode() == "测试轮换"

    # the old key removed: everything still decrypts, lookups still find
    settings.PII_KEYS = [KEY_B]
    for model in (Household, Declaration):
        for row in model.objects.all():
            assert row.id_number
    for row in Household.history.all():
        assert row.head_name
    again = Household.objects.get(pk=household.pk)
    assert (again.id_number, again.head_name) == ("11010519491231002X", "测试轮换")
    phone = Declaration.objects.get(pk=declaration.pk).phone
    assert phone == "13800000000"
    assert pii_hash("11010519491231002x") == lookup_hash(KEY_A, "11010519491231002X")
    assert Household.objects.get(id_number_hash=pii_hash("11010519491231002X")) == household


def test_a_stopped_run_is_resumed_by_running_again(settings, under_a):
    total = stored_values()
    declarations = Declaration.objects.count()  # each has three encrypted values
    settings.PII_KEYS = [KEY_B, KEY_A]
    settings.PII_HASH_KEY = KEY_A

    class Stop(Exception):
        pass

    def stop_in_the_history_table(count: keys.ColumnCount) -> None:
        if count.column == "impact.HistoricalHousehold.head_name":
            raise Stop  # stopped after its first batch of 2, declarations done

    with pytest.raises(Stop):
        keys.pii_rotate(batch_size=2, progress=stop_in_the_history_table)
    done = 3 * declarations + 2
    with pytest.raises(CommandError, match=f"还有 {total - done} 个值不在最新密钥下"):
        run("--check")
    assert f"合计 {total} 个，本次重新加密 {total - done} 个" in run()
    assert f"合计 {total} 个，待重新加密 0 个" in run("--check")


def test_a_wrong_key_fails_loudly(settings, under_a):
    household, _declaration = under_a
    settings.PII_KEYS = [KEY_C]
    settings.PII_HASH_KEY = KEY_A
    with pytest.raises(ValueError, match="cannot be decrypted with any of the PII_KEYS"):
        Household.objects.get(pk=household.pk)
    with pytest.raises(
        CommandError, match=r"impact\.Household\.id_number 无法用任何 PII_KEYS 解密"
    ):
        run("--check")
    with pytest.raises(CommandError, match="无法用任何 PII_KEYS 解密"):
        run()
    # nothing was written: under the right key every value is as it was
    settings.PII_KEYS = [KEY_A]
    assert Household.objects.get(pk=household.pk).id_number == "11010519491231002X"


def test_a_key_list_without_a_hash_key_is_refused(settings):
    settings.PII_KEYS = [KEY_B, KEY_A]
    settings.PII_HASH_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PII_HASH_KEY must be set"):
        pii_hash("11010519491231002X")
    assert [message.id for message in keys.pii_keys_check()] == ["impact.E001"]
    settings.PII_HASH_KEY = KEY_A
    assert keys.pii_keys_check() == []


def test_a_wrong_hash_key_is_found_and_a_new_one_is_adopted_by_rehash(settings, under_a):
    household, _declaration = under_a
    settings.PII_KEYS = [KEY_A]
    settings.PII_HASH_KEY = "a-separate-lookup-secret"
    with pytest.raises(CommandError, match="查找用哈希与 PII_HASH_KEY 不符"):
        run("--check")
    changed = run("--rehash")
    assert re.search(r"查找用哈希已按当前 PII_HASH_KEY 重算：\d+ 个有变化", changed)
    assert int(re.search(r"(\d+) 个有变化", changed).group(1)) == (
        Household.objects.count() + Declaration.objects.count()
    )
    assert "待重新加密 0 个" in run("--check")
    wanted = lookup_hash("a-separate-lookup-secret", "11010519491231002X")
    assert Household.objects.get(id_number_hash=wanted) == household
