from django.urls import path

from . import views

app_name = "mediation"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("parties/search/", views.party_search, name="party_search"),
    path("<int:pk>/", views.dispute_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", views.dispute_step, name="step"),
    path("<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/agreement-scan/", views.agreement_scan, name="agreement_scan"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/villages/<int:village_id>/", views.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
]
