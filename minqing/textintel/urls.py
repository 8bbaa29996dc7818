from django.urls import path

from . import views, views_reply

app_name = "textintel"

urlpatterns = [
    path("suggest/", views.category_suggest, name="suggest"),
    path("suggest/public/", views.public_category_suggest, name="suggest_public"),
    path("reply-check/<int:pk>/", views_reply.reply_check, name="reply_check"),
]
