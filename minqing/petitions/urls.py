from django.urls import path

from . import views, views_documents

app_name = "petitions"
urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_intake, name="intake"),
    path("similar/", views.petition_similar, name="similar"),
    path("bulk/", views.petition_bulk, name="bulk"),
    path("export.xlsx", views_documents.petition_export, name="export"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", views.petition_step, name="step"),
    path("<int:pk>/attachments/", views.petition_attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/documents/<slug:kind>.pdf", views_documents.petition_document, name="document"),
]
