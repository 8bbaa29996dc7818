"""Screening campaigns (大排查): a township's campaign and each village's report."""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.accounts.models import User
from minqing.core.errors import ServiceError, ValidationError
from minqing.regions.models import Level, Region, subtree_q
from minqing.regions.scoping import Perm, require

from ..models import (
    DEFAULT_CHECKLIST,
    Campaign,
    CampaignStatus,
    CampaignVillage,
    VillageOutcome,
)
from .common import TITLE_MAX, _audit, _snap

AREA_MAX = 200

# ----------------------------------------------------------------------------------------------------------
# Campaigns (大排查)


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    region: Region,
    title: str,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    checklist: Sequence[str] = DEFAULT_CHECKLIST,
    villages: Sequence[Region] | None = None,
    area: str = "",
) -> Campaign:
    """Open a 大排查 in a township over a period; every village (or the chosen ones) owes a report. A campaign of
    some villages (along a new road, around a demolition) says in `area` why those."""
    require(actor, Perm.MANAGE_CAMPAIGNS, region.path)
    errors: dict[str, list[str]] = {}
    if region.level != Level.TOWNSHIP:
        errors["region"] = [_("大排查以乡镇为单位开展。")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写名称。")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("名称最多 %(n)d 个字。") % {"n": TITLE_MAX}]
    if starts_on is None:
        errors["starts_on"] = [_("请填写开始日期。")]
    if ends_on is None:
        errors["ends_on"] = [_("请填写结束日期。")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    items = [i.strip()[:50] for i in checklist if i and i.strip()]
    if not items:
        errors["checklist"] = [_("请至少列出一项排查事项。")]
    all_villages = list(
        Region.objects.filter(subtree_q(region.path, "path"), level=Level.VILLAGE, is_active=True).order_by(
            "path"
        )
    )
    chosen = all_villages if villages is None else [v for v in villages if v in all_villages]
    if villages is not None and len(chosen) != len(villages):
        errors["villages"] = [_("所选的村不在该乡镇。")]
    if villages is not None and not villages:
        errors["villages"] = [_("请至少选择一个村。")]
    elif not chosen and "villages" not in errors:
        errors["villages"] = [_("该乡镇没有可排查的村。")]
    area = (area or "").strip()
    if len(area) > AREA_MAX:
        errors["area"] = [_("排查范围最多 %(n)d 个字。") % {"n": AREA_MAX}]
    if errors:
        raise ValidationError(errors)
    assert starts_on is not None and ends_on is not None
    c = Campaign.objects.create(
        region=region,
        region_path=region.path,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=list(dict.fromkeys(items)),
        area=area,
        created_by=actor,
    )
    chosen = list({v.pk: v for v in chosen}.values())
    CampaignVillage.objects.bulk_create(
        CampaignVillage(campaign=c, village=v, region_path=v.path) for v in chosen
    )
    note = _("开展矛盾纠纷大排查")
    if len(chosen) < len(all_villages):
        note += _("（部分村：%(names)s）") % {"names": "、".join(v.name for v in chosen)}
    _audit(actor, c, None, note)
    return c


def _mark_village_found(actor: User, c: Campaign, village: Region) -> None:
    cv = CampaignVillage.objects.filter(campaign=c, village=village).first()
    if cv is not None and cv.outcome != VillageOutcome.FOUND:
        cv.outcome = VillageOutcome.FOUND
        cv.reported_by = cv.reported_by or actor
        cv.reported_at = cv.reported_at or timezone.now()
        cv.checked_items = cv.checked_items or list(c.checklist)
        cv.save()


@transaction.atomic
def campaign_village_report(
    *,
    actor: User,
    campaign: Campaign,
    village: Region,
    outcome: str,
    checked_items: Sequence[str] = (),
    note: str = "",
) -> CampaignVillage:
    """A village reports: nothing found (零报告) or disputes found (recorded as disputes linked to the campaign)."""
    require(actor, Perm.RECORD_DISPUTES, village.path)
    cv = CampaignVillage.objects.select_for_update().filter(campaign=campaign, village=village).first()
    if cv is None:
        raise ServiceError(_("该村不在这次大排查的范围内。"))
    if campaign.status != CampaignStatus.OPEN:
        raise ServiceError(_("这次大排查已结束。"))
    if timezone.localdate() < campaign.starts_on:
        # A report is what the village found while screening; before the campaign starts there is none yet.
        raise ServiceError(
            _("这次大排查 %(d)s 开始，请届时排查后再报告。") % {"d": f"{campaign.starts_on:%Y-%m-%d}"}
        )
    errors: dict[str, list[str]] = {}
    if outcome not in (VillageOutcome.NONE_FOUND, VillageOutcome.FOUND):
        errors["outcome"] = [_("请选择排查结果。")]
    items = [i for i in checked_items if i in campaign.checklist]
    if not items:
        errors["checked_items"] = [_("请勾选已排查的事项。")]
    found = campaign.disputes.filter(region=village).count()
    if outcome == VillageOutcome.NONE_FOUND and found:
        errors["outcome"] = [
            _("本村在这次大排查中已登记 %(n)d 起矛盾纠纷，不能报告“未发现”。") % {"n": found}
        ]
    if errors:
        raise ValidationError(errors)
    before = _snap(cv)
    cv.outcome = outcome
    cv.checked_items = items
    cv.note = note.strip()
    cv.reported_by = actor
    cv.reported_at = timezone.now()
    cv.save()
    _audit(actor, cv, before, _("村排查报告"))
    return cv


@transaction.atomic
def campaign_close(*, actor: User, campaign: Campaign) -> Campaign:
    require(actor, Perm.MANAGE_CAMPAIGNS, campaign.region_path)
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if c.status == CampaignStatus.CLOSED:
        raise ServiceError(_("这次大排查已结束。"))
    before = _snap(c)
    c.status = CampaignStatus.CLOSED
    c.save()
    _audit(actor, c, before, _("结束大排查"))
    return c
