"""Seed data for the request taxonomy and the deadline rules. Migrations import this module, so rows here are
only ever added, never renamed: a county may have edited the seeded ones."""

# (code, name, parent code, proper level, reform-related, keywords)
CATEGORIES: list[tuple[str, str, str, str, bool, str]] = [
    ("chengxiang", "城乡建设", "", "village", False, ""),
    ("chengxiang-road", "道路桥梁", "chengxiang", "village", False, "修路 道路 桥 硬化 村道"),
    ("chengxiang-water-power", "供水供电", "chengxiang", "village", False, "自来水 停水 停电 电压 饮水"),
    (
        "chengxiang-housing",
        "农村住房与危房改造",
        "chengxiang",
        "township",
        False,
        "危房 改造 住房 建房 宅基地审批",
    ),
    ("chengxiang-planning", "规划建设", "chengxiang", "township", True, "规划 违建 建设 工程"),
    ("laodong", "劳动和社会保障", "", "township", False, ""),
    ("laodong-wages", "拖欠工资", "laodong", "township", True, "工资 欠薪 农民工 讨薪"),
    ("laodong-insurance", "社会保险", "laodong", "township", True, "养老保险 医保 社保 缴费"),
    ("laodong-jobs", "就业安置", "laodong", "township", True, "就业 安置 岗位 培训"),
    ("jiaoyu", "教育文体", "", "township", False, ""),
    ("jiaoyu-school", "上学就读", "jiaoyu", "township", False, "上学 入学 学校 校车 学费"),
    ("jiaoyu-culture", "文体设施", "jiaoyu", "village", False, "广场 文化 体育 健身"),
    ("weisheng", "卫生计生", "", "township", False, ""),
    ("weisheng-medical", "医疗服务", "weisheng", "township", False, "卫生院 医疗 看病 报销 村医"),
    ("weisheng-family", "计划生育", "weisheng", "township", True, "计生 生育 社会抚养费"),
    ("huanbao", "环境保护", "", "village", False, ""),
    ("huanbao-pollution", "污染排放", "huanbao", "township", True, "污染 排污 噪音 异味 养殖场 工厂"),
    ("huanbao-village", "村容村貌", "huanbao", "village", False, "垃圾 厕所 污水 卫生 秸秆"),
    ("jiaotong", "交通运输", "", "township", False, ""),
    ("jiaotong-bus", "客运班车", "jiaotong", "township", False, "公交 班车 客运 出行"),
    ("jiaotong-safety", "道路交通安全", "jiaotong", "township", False, "超载 路灯 安全 事故"),
    ("shangmao", "商贸旅游", "", "township", False, ""),
    ("shangmao-market", "市场监管", "shangmao", "township", False, "假冒 食品 价格 市场"),
    ("tudi", "土地征用", "", "township", True, ""),
    ("tudi-compensation", "征地补偿", "tudi", "township", True, "征地 补偿款 青苗费 安置"),
    ("tudi-rights", "土地权属", "tudi", "village", True, "地界 权属 确权 边界"),
    ("chaiqian", "房屋拆迁", "", "township", True, ""),
    ("chaiqian-resettle", "拆迁安置补偿", "chaiqian", "township", True, "拆迁 安置 补偿 强拆"),
    ("qiye", "企业改制", "", "county", True, ""),
    ("qiye-workers", "改制职工安置", "qiye", "county", True, "改制 下岗 职工 买断"),
    ("chengbao", "农村土地承包", "", "village", True, ""),
    ("chengbao-contract", "承包经营", "chengbao", "village", True, "承包 地 调地 分地 承包合同"),
    ("chengbao-transfer", "土地流转", "chengbao", "village", True, "流转 租金 合作社"),
    ("minzheng", "民政救助", "", "village", False, ""),
    ("minzheng-dibao", "低保特困", "minzheng", "village", False, "低保 特困 五保 救助"),
    ("minzheng-disability", "残疾人帮扶", "minzheng", "village", False, "残疾 残疾证 补贴"),
    ("minzheng-temporary", "临时救助", "minzheng", "village", False, "临时救助 大病 受灾"),
    ("shefa", "涉法涉诉", "", "county", False, "法院 判决 执行 诉讼 公安"),
    ("linli", "邻里纠纷", "", "village", False, "邻居 宅基地 滴水 排水 矛盾 吵架"),
    ("other", "其他", "", "village", False, ""),
]

# (kind, days, unit, basis)
DEADLINE_RULES: list[tuple[str, int, str, str]] = [
    ("accept", 15, "working", "信访工作条例 第二十二、二十三条"),
    ("conclude", 60, "working", "信访工作条例 第三十四条"),
    ("extension", 30, "working", "信访工作条例 第三十四条"),
    ("review_request", 30, "working", "信访工作条例 第三十五条"),
    ("review", 30, "working", "信访工作条例 第三十五条"),
    ("rereview_request", 30, "working", "信访工作条例 第三十六条"),
    ("rereview", 30, "working", "信访工作条例 第三十六条"),
    ("follow_up", 7, "working", "本乡镇回访制度"),
    ("reopen", 30, "working", "本乡镇回访制度"),
    ("repeat_window", 90, "calendar", "重复访识别"),
]


def load(apps: object, schema_editor: object) -> None:
    Category = apps.get_model("petitions", "Category")  # type: ignore[attr-defined]
    DeadlineRule = apps.get_model("petitions", "DeadlineRule")  # type: ignore[attr-defined]
    by_code: dict[str, object] = {}
    for order, (code, name, parent, level, reform, keywords) in enumerate(CATEGORIES):
        obj, _created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": by_code.get(parent),
                "proper_level": level,
                "reform_related": reform,
                "keywords": keywords,
                "sort_order": order,
            },
        )
        by_code[code] = obj
    for kind, days, unit, basis in DEADLINE_RULES:
        DeadlineRule.objects.get_or_create(kind=kind, defaults={"days": days, "unit": unit, "basis": basis})
