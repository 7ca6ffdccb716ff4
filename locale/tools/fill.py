"""Fill empty zh_Hans translations from locale/tools/zh_hans*.tsv (msgid<TAB>msgstr), then compile.

Run after `manage.py makemessages -l zh_Hans`: `python locale/tools/fill.py`.
"""

import sys
from pathlib import Path

import oscar
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

here = Path(__file__).resolve().parent
po_path = here.parent / "zh_Hans" / "LC_MESSAGES" / "django.po"
table: dict[str, str] = {}
for tsv in sorted(here.glob("zh_hans*.tsv")):
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            msgid, msgstr = line.split("\t")
            table[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")

# Strings our templates share with Oscar's and Wagtail's take their translations.
site_packages = Path(oscar.__file__).resolve().parent.parent
for package in ("oscar", "wagtail/admin"):
    fallback = site_packages / package / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if fallback.exists():
        with fallback.open("rb") as handle:
            for message in read_po(handle, locale="zh_Hans"):
                if (
                    isinstance(message.id, str)
                    and isinstance(message.string, str)
                    and message.string
                    and not message.fuzzy
                ):
                    table.setdefault(" ".join(message.id.split()), message.string)

with po_path.open("rb") as handle:
    catalog = read_po(handle, locale="zh_Hans")
missing = []
for message in catalog:
    if not message.id:
        continue
    singular = message.id if isinstance(message.id, str) else message.id[0]
    key = " ".join(singular.split())
    if key in table:
        translated = table[key]
        message.string = translated if isinstance(message.id, str) else (translated,)
        message.flags.discard("fuzzy")
    elif not message.string or message.fuzzy:
        missing.append(singular)
with po_path.open("wb") as handle:
    write_po(handle, catalog, width=100)
with po_path.with_suffix(".mo").open("wb") as handle:
    write_mo(handle, catalog)
for msgid in missing:
    print("untranslated:", msgid, file=sys.stderr)
print(f"{len(catalog) - len(missing) - 1} translated, {len(missing)} missing")

# The scripts' catalogue (djangojs.po, kept by hand): compiled beside it.
js_po = po_path.with_name("djangojs.po")
with js_po.open("rb") as handle:
    js_catalog = read_po(handle, locale="zh_Hans")
with js_po.with_suffix(".mo").open("wb") as handle:
    write_mo(handle, js_catalog)
