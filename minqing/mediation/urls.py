from django.urls import path

from .views import disputes

app_name = "mediation"

urlpatterns = [
    path("", disputes.dispute_list, name="list"),
    path("new/", disputes.dispute_new, name="new"),
    path("parties/search/", disputes.party_search, name="party_search"),
    path("<int:pk>/", disputes.dispute_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", disputes.dispute_step, name="step"),
    path("<int:pk>/agreement.pdf", disputes.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/agreement-scan/", disputes.agreement_scan, name="agreement_scan"),
    path("campaigns/", disputes.campaign_list, name="campaigns"),
    path("campaigns/new/", disputes.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", disputes.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/villages/<int:village_id>/", disputes.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/close/", disputes.campaign_close, name="campaign_close"),
]
