from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县/区")
    TOWNSHIP = 4, _("乡镇/街道")
    VILLAGE = 5, _("村/社区")
    GROUP = 6, _("村民小组/网格")


# How many leading digits of the 12-digit statistical code are significant at each level.
# Groups and grids have no official code: they get the village code plus three digits.
PATH_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}


def path_for(code: str, level: int) -> str:
    return code[: PATH_DIGITS[Level(level)]]


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose `field` starts with `prefix`, in the form each database answers from an index.

    PostgreSQL: LIKE 'p%', served by the varchar_pattern_ops index Django adds to indexed CharFields, and
    correct under any database collation. SQLite compares with BINARY collation, where LIKE would skip the
    index (it is case-insensitive) but the range p <= x < p + U+FFFF is exact and uses it.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})


def subtree_q(prefix: str, field: str = "region_path", *, indexed: bool = True) -> Q:
    """Everything at or below the region whose path is `prefix`, as one index lookup.

    `indexed=False` asks for the same rows in a form SQLite cannot answer from the path index. A list of a
    county's rows sorted by date and cut to one page is fastest read off the date index, testing each row's
    path as it goes; given an index on the range, SQLite's planner (which cannot tell that the range covers
    nearly the whole table) takes it and sorts every row instead.
    """
    if not indexed and connection.vendor == "sqlite":
        return Q(**{f"{field}__startswith": prefix})  # LIKE: case-insensitive, so never from the index
    return prefix_q(field, prefix)


class Region(models.Model):
    """A node of the administrative tree (GB/T 2260 + NBS statistical division codes)."""

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    path = models.CharField(max_length=15, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # The path is a pure function of code and level; keeping it in step is not a side effect.
        self.path = path_for(self.code, self.level)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """How people name it: a village group is always said with its village (雷集村第四村民小组)."""
        if self.level == Level.GROUP and self.parent is not None:
            return f"{self.parent.name}{self.name}"
        return self.name

    @property
    def full_name(self) -> str:
        names = [r.name for r in self.ancestors()] + [self.name]
        return "".join(names[-3:])

    def ancestors(self) -> list["Region"]:
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def subtree(self) -> "models.QuerySet[Region]":
        return Region.objects.filter(subtree_q(self.path, "path"))
