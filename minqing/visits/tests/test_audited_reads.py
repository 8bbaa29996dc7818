"""Opening a photo of a diary entry (households and people at home) is audited with the client's address."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from minqing.audit.models import Action, AuditEntry
from minqing.visits.models import Visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    buf.seek(0)
    buf.name = "现场.jpg"
    return buf


def _visit_with_photo(client, tree, people) -> Visit:
    client.force_login(people.cadre)
    data = {
        "village": tree.zhangzhuang.pk,
        "visited_on": TODAY.isoformat(),
        "days": "1",
        "nights": "0",
        "stay_place": "",
        "heard": "群众反映灌溉渠堵了",
        "client_key": "b" * 32,
        "no_households": "on",
        "photos": _jpeg(),
    }
    client.post(reverse("visits:new"), data, HTTP_ACCEPT="application/json")
    return Visit.objects.get()


def test_opening_a_visit_photo_is_audited(client, tree, people):
    v = _visit_with_photo(client, tree, people)
    client.force_login(people.leader)
    response = client.get(reverse("visits:photo", args=[v.pk, v.photos.get().pk]), REMOTE_ADDR="10.0.0.41")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=Action.DOWNLOAD)
    assert entry.actor == people.leader and entry.ip == "10.0.0.41"
    assert (entry.object_type, entry.object_id, entry.region_path) == (
        "visits.visit",
        str(v.pk),
        v.region_path,
    )


def test_an_outsider_gets_404_for_a_photo_and_leaves_no_read_row(client, tree, people):
    v = _visit_with_photo(client, tree, people)
    client.force_login(people.outsider)
    assert client.get(reverse("visits:photo", args=[v.pk, v.photos.get().pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.DOWNLOAD).exists()
