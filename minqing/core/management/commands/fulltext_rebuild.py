"""Rebuild full-text indexes from their tables: after a bulk load that wrote rows past the services, or to
repair an index. `minqing fulltext_rebuild` rebuilds every index; name some to rebuild only those."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from minqing.core import fulltext


class Command(BaseCommand):
    help = "重建全文检索索引（全部，或指定名称的索引）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="index names (default: all)")
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        indexes = fulltext.registered()
        names = options["names"] or sorted(indexes)
        unknown = [n for n in names if n not in indexes]
        if unknown:
            raise CommandError(
                _("没有这个全文索引：%(names)s（现有：%(known)s）")
                % {"names": "、".join(unknown), "known": "、".join(sorted(indexes))}
            )
        for name in names:
            t0 = time.perf_counter()
            n = indexes[name].rebuild(batch=options["batch"])
            self.stdout.write(
                _("%(name)s：已索引 %(n)d 条，用时 %(s).1f 秒")
                % {"name": name, "n": n, "s": time.perf_counter() - t0}
            )
