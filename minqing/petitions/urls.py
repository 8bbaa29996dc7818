from django.urls import path

from . import views, views_documents, views_reception

app_name = "petitions"
urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_intake, name="intake"),
    path("similar/", views.petition_similar, name="similar"),
    path("bulk/", views.petition_bulk, name="bulk"),
    path("report/", views.closure_report, name="report"),
    path("export.xlsx", views_documents.petition_export, name="export"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", views.petition_step, name="step"),
    path("<int:pk>/attachments/", views.petition_attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/documents/<slug:kind>.pdf", views_documents.petition_document, name="document"),
    path("reception/", views_reception.reception_list, name="reception_list"),
    path("reception/new/", views_reception.reception_edit, name="reception_new"),
    path("reception/<int:pk>/", views_reception.reception_detail, name="reception_detail"),
    path("reception/<int:pk>/edit/", views_reception.reception_edit, name="reception_edit"),
    path(
        "reception/<int:pk>/registrations/<int:registration_id>/",
        views_reception.reception_attend,
        name="reception_attend",
    ),
]
