"""Products' and categories' escaped slugs (u4e1cu5ddd…) rewritten as readable Chinese.

Only a slug Oscar made from the title or name with its old escaping slugifier is
rewritten; one somebody typed stays as it is. Old links keep working: the URLs carry
the pk, and Oscar's views redirect a stale slug to the current one (301).
"""

from django.conf import settings
from django.core.cache import cache
from django.db import migrations
from django.utils.text import slugify
from oscar.core.utils import cautious_slugify

# shop.navigation's keys: the cached navigation bar and category tree hold category URLs.
NAVIGATION_KEYS = ["shop:navigation:v1", "shop:category-tree:v1"]


def readable(text: str) -> str:
    return slugify(text, allow_unicode=True)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Product = apps.get_model("catalogue", "Product")
    Category = apps.get_model("catalogue", "Category")
    for product in Product.objects.only("pk", "title", "slug").iterator():
        new = readable(product.title)
        if new and product.slug != new and product.slug == cautious_slugify(product.title):
            Product.objects.filter(pk=product.pk).update(slug=new[:255])
    changed = []
    for category in Category.objects.only("pk", "name", "slug").iterator():
        new = readable(category.name)
        if new and category.slug != new and category.slug == cautious_slugify(category.name):
            Category.objects.filter(pk=category.pk).update(slug=new[:255])
            changed.append(category.pk)
    if changed:
        # Oscar caches each category's full slug per language; a child's includes its parents'.
        every = list(Category.objects.values_list("pk", flat=True))
        languages = [code for code, _name in settings.LANGUAGES]
        cache.delete_many(
            [f"CATEGORY_URL_{language}_{pk}" for language in languages for pk in every]
            + NAVIGATION_KEYS
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0032_category_exclude_from_menu_category_long_description")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
