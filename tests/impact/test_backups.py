"""Backups (issue #18): the totals a restore must give back, and no key in a backup.

The demo's figures are written out literally (the demo sale of YX-DEMO-0001 and the
producer's payouts), and checked once more against plain SQL sums over the tables, not
through the code under test.
"""

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from impact.management.commands.backup_scan import CHUNK
from impact.models import Payout

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
PII_KEY = "test-pii-key-not-for-production-0123456789"  # config/settings/test.py's PII_KEY
SECRET_KEY = "test-secret-key-not-for-production"  # config/settings/test.py's SECRET_KEY

# 3 generated in each of the 11 villages, and demo/data.py's 13 households in warning
DEMO_HOUSEHOLDS = 33 + 13
DEMO_TOTALS = {
    "encrypted_values": {
        "impact.Declaration.id_number": 0,
        "impact.Declaration.name": 0,
        "impact.Declaration.phone": 0,
        "impact.HistoricalHousehold.head_name": DEMO_HOUSEHOLDS,
        "impact.HistoricalHousehold.id_number": DEMO_HOUSEHOLDS,
        "impact.Household.head_name": DEMO_HOUSEHOLDS,
        "impact.Household.id_number": DEMO_HOUSEHOLDS,
    },
    "households": DEMO_HOUSEHOLDS,
    "ledger": {"attribution": "127.95", "entries": 8, "net": "127.95", "reversal": "0.00"},
    "orders": {
        "count": 2,
        "paid_count": 1,
        "received": "575.00",
        "refunded": "0.00",
        "total": "875.00",
    },
    "payouts": {
        "count": 3,
        "counting": "105.00",
        "disputed": "0.00",
        "recorded": "105.00",
        "reversed": "0.00",
        "reversed_count": 0,
    },
    "pii_sample": {"checked": 80, "failed": 0},
}


@pytest.fixture
def demo_sale():
    """load_demo's sale, its attribution and payouts (the suite's demo has none of them)."""
    call_command("load_demo", force=True, stdout=io.StringIO())


def totals(*args: str) -> dict:
    out = io.StringIO()
    call_command("ledger_totals", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def sql(query: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return list(cursor.fetchall())


def cents(value: object) -> int:
    """A database sum in fen, whatever type the backend returns it as."""
    return round(float(value or 0) * 100)


def test_ledger_totals_of_the_demo_to_the_fen(demo_sale):
    assert totals() == DEMO_TOTALS


def test_ledger_totals_agree_with_plain_sql_sums(demo_sale):
    got = totals()
    [(attributed, reversed_, entries)] = sql(
        "SELECT SUM(CASE WHEN kind = 'attribution' THEN amount END),"
        " SUM(CASE WHEN kind = 'reversal' THEN amount END), COUNT(*) FROM impact_attributionentry"
    )
    assert cents(attributed) == 12795 and cents(reversed_) == 0 and entries == 8
    [(payouts, recorded)] = sql("SELECT COUNT(*), SUM(amount) FROM impact_payout")
    assert (payouts, cents(recorded)) == (3, 10500)
    [(orders, total)] = sql("SELECT COUNT(*), SUM(total_incl_tax) FROM order_order")
    [(received,)] = sql("SELECT SUM(amount_received) FROM payments_orderpayment")
    assert (orders, cents(total), cents(received)) == (2, 87500, 57500)
    [(households,)] = sql("SELECT COUNT(*) FROM impact_household WHERE head_name <> ''")
    assert households == DEMO_HOUSEHOLDS
    assert got["ledger"]["attribution"] == "127.95"
    assert got["payouts"]["recorded"] == "105.00"
    assert got["orders"]["received"] == "575.00"


def test_a_reversed_payout_moves_from_counting_to_reversed(demo_sale):
    # The demo's payouts: 30.00, 50.00 and 25.00; the 50.00 one is reversed.
    Payout.objects.filter(amount="50.00").update(reversed_at=timezone.now())
    got = totals()["payouts"]
    assert got == {
        "count": 3,
        "counting": "55.00",
        "disputed": "0.00",
        "recorded": "105.00",
        "reversed": "50.00",
        "reversed_count": 1,
    }


def test_the_sample_does_not_open_under_another_key(settings):
    settings.PII_KEY = "a-key-that-never-encrypted-anything"
    settings.PII_HASH_KEY = PII_KEY  # lookups unchanged: only the encryption key is wrong
    with pytest.raises(CommandError, match="20 个无法用当前 PII_KEYS 解密"):
        totals()


def test_the_sample_finds_a_wrong_lookup_hash_key(settings):
    settings.PII_HASH_KEY = "a-hash-key-that-never-hashed-anything"
    with pytest.raises(CommandError, match="查找用哈希与 PII_HASH_KEY 不符"):
        totals()


def test_bad_sample_size_is_refused():
    with pytest.raises(CommandError, match="--sample 不能为负数"):
        totals("--sample", "-1")


def scan(directory: Path) -> str:
    out = io.StringIO()
    call_command("backup_scan", str(directory), stdout=out, stderr=out)
    return out.getvalue()


def test_scan_passes_a_clean_backup(tmp_path):
    (tmp_path / "totals.json").write_text('{"households": 33}')
    with tarfile.open(tmp_path / "media.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("./images/product.txt")
        info.size = 12
        archive.addfile(info, io.BytesIO(b"a tea photo."))
    assert "已检查 3 个文件或成员" in scan(tmp_path)


@pytest.mark.parametrize(
    ("secret", "name"),
    [(PII_KEY, "PII key 1"), (PII_KEY, "PII_HASH_KEY"), (SECRET_KEY, "SECRET_KEY")],
)
def test_scan_refuses_a_key_in_a_plain_file(tmp_path, secret, name):
    (tmp_path / "notes.txt").write_text(f"export PII_KEY={secret}\n")
    with pytest.raises(CommandError, match="备份含密钥"):
        scan(tmp_path)


def test_scan_refuses_a_key_inside_a_compressed_archive(tmp_path):
    leak = tmp_path / "leak.txt"
    leak.write_text(f"PII_HASH_KEY={PII_KEY}")
    with tarfile.open(tmp_path / "media.tar.gz", "w:gz") as archive:
        archive.add(leak, arcname="./uploads/leak.txt")
    leak.unlink()
    err = io.StringIO()
    with pytest.raises(CommandError, match="备份含密钥"):
        call_command("backup_scan", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "media.tar.gz:./uploads/leak.txt：含 PII_HASH_KEY" in err.getvalue()
    assert PII_KEY not in err.getvalue()  # the secret is named, never printed


def test_scan_finds_a_key_split_across_two_reads(tmp_path):
    # The key straddles the first megabyte: read in chunks, it is in neither chunk alone.
    (tmp_path / "database.sql").write_bytes(b"x" * (CHUNK - 10) + SECRET_KEY.encode())
    with pytest.raises(CommandError, match="备份含密钥"):
        scan(tmp_path)


def test_scan_refuses_an_environment_file(tmp_path):
    (tmp_path / ".env").write_text("DEBUG=false\n")
    with pytest.raises(CommandError, match="环境变量文件"):
        scan(tmp_path)


def test_scan_refuses_a_key_too_short_to_look_for(tmp_path, settings):
    settings.PII_KEY = "short"
    with pytest.raises(CommandError, match="短于 8 个字符"):
        scan(tmp_path)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="deploy/backup.sh backs up PostgreSQL only"
)


def run_backup(
    tmp_path: Path, media: Path, database: str | None = None
) -> subprocess.CompletedProcess:
    """deploy/backup.sh against the test database (the demo is committed there)."""
    name = database or connection.settings_dict["NAME"]
    host = connection.settings_dict["HOST"] or "127.0.0.1"
    port = connection.settings_dict["PORT"] or "5432"
    user = connection.settings_dict["USER"] or "postgres"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}@{host}:{port}/{name}",
        # The base settings (the test settings make their own media folders), with the
        # test settings' keys: the data was encrypted under them.
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": SECRET_KEY,
        "PII_KEY": PII_KEY,
        "MEDIA_ROOT": str(media),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "MEDIA_STORAGE": "local",
    }
    return subprocess.run(
        [str(REPO / "deploy" / "backup.sh"), str(tmp_path / "backups")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@postgres_only
def test_backup_refuses_to_keep_a_key_left_in_the_media(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "readme.txt").write_text(f"the key is {PII_KEY}\n")
    result = run_backup(tmp_path, media)
    assert result.returncode == 1, result.stderr
    assert "media.tar.gz:./readme.txt：含 PII key 1" in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []  # the backup was deleted


@postgres_only
def test_backup_of_a_database_it_cannot_open_says_so_and_keeps_nothing(tmp_path):
    """psql ends at once here: the script's own message, not a shell error (a coproc's
    descriptors vanished when psql ended first, "SNAP[1]: ambiguous redirect" in CI)."""
    media = tmp_path / "media"
    media.mkdir()
    result = run_backup(tmp_path, media, database="yx_backup_no_such_database")
    assert result.returncode == 1, result.stderr
    assert 'database "yx_backup_no_such_database" does not exist' in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("backup: ")]
    assert said[0] in (
        "backup: no snapshot from PostgreSQL",
        "backup: the psql session ended (see above)",
    ), result.stderr
    assert said[-1].startswith("backup: failed, "), result.stderr
    assert "ambiguous redirect" not in result.stderr
    assert "unbound variable" not in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []


@postgres_only
def test_backup_writes_the_demo_totals_and_checksums(tmp_path):
    media = tmp_path / "media"
    (media / "images").mkdir(parents=True)
    (media / "images" / "tea.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    result = run_backup(tmp_path, media)
    assert result.returncode == 0, result.stderr
    out = Path(result.stdout.strip())
    manifest = json.loads((out / "manifest.json").read_text())
    # The suite's committed demo has no sale: its households, and nothing sold or paid.
    assert manifest["totals"] == totals()
    assert manifest["totals"]["households"] == DEMO_HOUSEHOLDS
    assert manifest["totals"]["ledger"]["entries"] == 0
    assert sorted(manifest["files"]) == [
        "database.dump",
        "media.tar.gz",
        "migrations.txt",
        "private.tar.gz",
        "totals.json",
    ]
    assert "impact.0001_initial" in manifest["migrations"]
    with tarfile.open(out / "media.tar.gz") as archive:
        assert archive.extractfile("./images/tea.jpg").read() == b"\xff\xd8 not really a jpeg"
    check = subprocess.run(
        ["/usr/bin/sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=out, check=False
    )
    assert check.returncode == 0
    assert settings.PII_KEY.encode() not in b"".join(p.read_bytes() for p in out.iterdir())
