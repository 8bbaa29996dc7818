"""Opening the signed scan of an agreement, and printing one, are audited with the client's address."""

import pytest
from django.urls import reverse

from minqing.audit.models import Action, AuditEntry

from .helpers import effective_agreement, mediating

pytestmark = pytest.mark.django_db


def test_opening_an_agreement_scan_is_audited(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    a = effective_agreement(people.mediator, d)
    client.force_login(people.mediator)
    response = client.get(reverse("mediation:agreement_scan", args=[d.pk]), REMOTE_ADDR="10.0.0.31")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    entry = AuditEntry.objects.get(action=Action.DOWNLOAD)
    assert entry.actor == people.mediator and entry.ip == "10.0.0.31"
    assert (entry.object_type, entry.object_id) == ("mediation.dispute", str(d.pk))
    assert entry.region_path == d.region_path and a.number in entry.note


def test_an_outsider_gets_404_for_a_scan_and_leaves_no_read_row(client, tree, people):
    d = mediating(people.cadre, tree.zhangzhuang, people.mediator)
    effective_agreement(people.mediator, d)
    client.force_login(people.outsider)
    assert client.get(reverse("mediation:agreement_scan", args=[d.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.DOWNLOAD).exists()
