from django.db import migrations

# The usual categories of special difficulty in township registers; administrators add or retire more.
TAGS = [
    ("低保户", "household", "享受最低生活保障"),
    ("特困供养", "household", "特困人员救助供养"),
    ("脱贫监测户", "household", "防止返贫监测对象"),
    ("易返贫致贫户", "household", "边缘易致贫户"),
    ("危房户", "household", "住房安全无保障"),
    ("五保户", "household", "农村五保供养"),
    ("残疾人", "person", "持残疾人证"),
    ("留守儿童", "person", "父母均外出务工的未成年人"),
    ("留守老人", "person", "子女均外出的老人"),
    ("空巢老人", "person", "无子女共同生活的老人"),
    ("重病患者", "person", "大病、慢性重病"),
    ("退役军人", "person", "退役军人及优抚对象"),
    ("独生子女", "person", "独生子女家庭"),
    ("孤儿", "person", "孤儿或事实无人抚养儿童"),
    ("精神障碍患者", "person", "严重精神障碍患者，需关注稳控"),
]


def seed(apps, schema_editor):
    DifficultyTag = apps.get_model("households", "DifficultyTag")
    for order, (name, applies_to, description) in enumerate(TAGS, start=1):
        DifficultyTag.objects.get_or_create(
            name=name,
            defaults={"applies_to": applies_to, "description": description, "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
