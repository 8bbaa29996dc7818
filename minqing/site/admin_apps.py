from django.contrib.admin.apps import AdminConfig


class MinqingAdminConfig(AdminConfig):
    """The admin, with a site that opens only to the system and security administrators."""

    default_site = "minqing.site.admin.MinqingAdminSite"
