from django.urls import path

from . import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("search/", views.search, name="search"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("<int:pk>/split/", views.household_split, name="split"),
    path("<int:pk>/relations/new/", views.relation_add, name="relation_add"),
    path("relations/<int:pk>/", views.relation_edit, name="relation_edit"),
    path("residents/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("residents/<int:pk>/move/", views.member_move, name="member_move"),
    path("residents/<int:pk>/death/", views.member_death, name="member_death"),
    path("residents/<int:pk>/make-head/", views.change_head, name="change_head"),
    path("residents/<int:pk>/reveal/<str:what>/", views.reveal, name="reveal"),
]

from . import views_excel  # noqa: E402

urlpatterns += [
    path("template.xlsx", views_excel.template_download, name="template"),
    path("export.xlsx", views_excel.export, name="export"),
    path("import/", views_excel.import_upload, name="import"),
    path("import/<int:pk>/", views_excel.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views_excel.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", views_excel.import_cancel, name="import_cancel"),
    path("import/<int:pk>/retry/", views_excel.import_retry, name="import_retry"),
    path("import/<int:pk>/errors.xlsx", views_excel.import_errors, name="import_errors"),
]
