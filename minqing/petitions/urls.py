from django.urls import path

from .views import detail, downloads, intake, reception, steps, worklist

app_name = "petitions"
urlpatterns = [
    path("", worklist.petition_list, name="list"),
    path("new/", intake.petition_intake, name="intake"),
    path("similar/", intake.petition_similar, name="similar"),
    path("bulk/", worklist.petition_bulk, name="bulk"),
    path("report/", worklist.closure_report, name="report"),
    path("export.xlsx", downloads.petition_export, name="export"),
    path("<int:pk>/", detail.petition_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", steps.petition_step, name="step"),
    path("<int:pk>/reveal/<slug:what>/", detail.petition_reveal, name="reveal"),
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
