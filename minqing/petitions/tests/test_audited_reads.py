"""Reading a request's files and exporting the work list leave an audit row with the client's address."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from minqing.audit.models import Action, AuditEntry
from minqing.core.uploads import check_upload
from minqing.petitions import services

from .factories import register

pytestmark = pytest.mark.django_db


def _png() -> object:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    data = buf.getvalue()
    return check_upload("身份证.png", io.BytesIO(data), len(data))


def test_opening_an_attachment_is_audited_with_the_client_address(client, tree, people, settings):
    settings.MINQING_TRUSTED_PROXIES = ["10.0.0.1"]
    p = register(people.officer, tree.zhangzhuang)
    (attachment,) = services.petition_attach(actor=people.officer, petition=p, files=[_png()])
    url = reverse("petitions:attachment", args=[p.pk, attachment.pk])
    client.force_login(people.cadre)
    response = client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    entry = AuditEntry.objects.get(action=Action.DOWNLOAD)
    assert entry.actor == people.cadre and entry.ip == "192.0.2.44"
    assert (entry.object_type, entry.object_id) == ("petitions.petition", str(p.pk))
    assert entry.region_path == p.region_path and "身份证.png" in entry.note


def test_an_outsider_gets_404_for_an_attachment_and_leaves_no_read_row(client, tree, people):
    p = register(people.officer, tree.zhangzhuang)
    (attachment,) = services.petition_attach(actor=people.officer, petition=p, files=[_png()])
    client.force_login(people.outsider)
    assert client.get(reverse("petitions:attachment", args=[p.pk, attachment.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.DOWNLOAD).exists()


def test_the_work_list_export_records_the_client_address(client, tree, people):
    register(people.officer, tree.zhangzhuang)
    client.force_login(people.officer)
    response = client.get(reverse("petitions:export"), REMOTE_ADDR="10.0.0.23")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="petitions.petition")
    assert entry.ip == "10.0.0.23"
