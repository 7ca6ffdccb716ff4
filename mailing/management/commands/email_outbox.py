"""``manage.py email_outbox``: what is pending or given up; ``--retry`` puts given-up mail back."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from mailing.models import OutgoingEmail
from mailing.services import outgoing_email_retry


class Command(BaseCommand):
    help = "Show the e-mail outbox: counts by status, then every pending or given-up message."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry",
            nargs="*",
            type=int,
            metavar="ID",
            help="queue given-up messages again (these ids, or all of them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry"] is not None:
            count = outgoing_email_retry(ids=options["retry"] or None)
            self.stdout.write(f"queued again: {count}")
        counts = dict(
            OutgoingEmail.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        for status in OutgoingEmail.Status.values:
            self.stdout.write(f"{status}: {counts.get(status, 0)}")
        waiting = OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).order_by("pk")
        for outgoing in waiting:
            self.stdout.write(
                f"#{outgoing.pk} {outgoing.status} attempts={outgoing.attempts} "
                f"next={outgoing.next_attempt_at:%Y-%m-%d %H:%M:%S} to={outgoing.recipients} "
                f"subject={outgoing.subject!r} error={outgoing.last_error!r}"
            )
