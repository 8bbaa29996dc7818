from django.db import migrations

# The seeding logic lives in minqing.workcal.seed and is shared with `minqing workcal_sync`: it takes the model
# classes as parameters, so it runs against these historical models and never imports the app's models.
from minqing.workcal.seed import SOURCE_PACKAGE, sync_from_package


def seed(apps, schema_editor):
    sync_from_package(apps.get_model("workcal", "CalendarDay"), apps.get_model("workcal", "CalendarYear"))


def unseed(apps, schema_editor):
    apps.get_model("workcal", "CalendarDay").objects.filter(source=SOURCE_PACKAGE).delete()
    apps.get_model("workcal", "CalendarYear").objects.filter(source=SOURCE_PACKAGE).delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
