from django.urls import path

from .views import detail, downloads, reception

app_name = "petitions"
urlpatterns = [
    path("", detail.petition_list, name="list"),
    path("new/", detail.petition_intake, name="intake"),
    path("similar/", detail.petition_similar, name="similar"),
    path("bulk/", detail.petition_bulk, name="bulk"),
    path("report/", detail.closure_report, name="report"),
    path("export.xlsx", downloads.petition_export, name="export"),
    path("<int:pk>/", detail.petition_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", detail.petition_step, name="step"),
    path("<int:pk>/attachments/", detail.petition_attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", detail.attachment_download, name="attachment"),
    path("<int:pk>/documents/<slug:kind>.pdf", downloads.petition_document, name="document"),
    path("reception/", reception.reception_list, name="reception_list"),
    path("reception/new/", reception.reception_edit, name="reception_new"),
    path("reception/<int:pk>/", reception.reception_detail, name="reception_detail"),
    path("reception/<int:pk>/edit/", reception.reception_edit, name="reception_edit"),
    path(
        "reception/<int:pk>/registrations/<int:registration_id>/",
        reception.reception_attend,
        name="reception_attend",
    ),
]
