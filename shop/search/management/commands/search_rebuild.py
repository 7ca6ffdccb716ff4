from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from shop.search.services import search_rebuild
from shop.search.tasks import search_rebuild as search_rebuild_task


class Command(BaseCommand):
    help = (
        "Rebuild the product search index of the configured backend (SEARCH_BACKEND: "
        "postgres or whoosh): now, or with --queue as a Celery task on the 'long' queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", action="store_true", help="Queue the rebuild for a worker instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            search_rebuild_task.apply_async(queue="long")
            self.stdout.write(f"Search rebuild queued ({settings.SEARCH_BACKEND}).")
            return
        search_rebuild(verbosity=options["verbosity"])
        self.stdout.write(f"Search index rebuilt ({settings.SEARCH_BACKEND}).")
