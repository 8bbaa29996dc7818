from django.urls import path

from .views import agreements, campaigns, disputes, steps

app_name = "mediation"

urlpatterns = [
    path("", disputes.dispute_list, name="list"),
    path("new/", disputes.dispute_new, name="new"),
    path("parties/search/", disputes.party_search, name="party_search"),
    path("<int:pk>/", disputes.dispute_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", steps.dispute_step, name="step"),
    path("<int:pk>/agreement.pdf", agreements.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/agreement-scan/", agreements.agreement_scan, name="agreement_scan"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/villages/<int:village_id>/", campaigns.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
]
