"""Keywords for every seeded category (the category suggestion combines them with the model) and a 婚姻家庭
leaf (赡养, 离婚, 彩礼… had no category). Keywords a county has already edited are left as they are."""

from django.db import migrations

# code → (keywords as migration 0002 seeded them, new keywords); only a category still carrying the old ones (or
# none) gets the new ones. Frozen here so that later edits of seed.py do not change what this migration does.
KEYWORDS = {
    "chengxiang-road": (
        "修路 道路 桥 硬化 村道",
        "修路 道路 路面 村道 生产路 断头路 桥 桥梁 硬化 坑洼 塌陷 拓宽 水泥路 土路",
    ),
    "chengxiang-water-power": (
        "自来水 停水 停电 电压 饮水",
        "自来水 停水 停电 电压 饮水 水管 水压 供水 供电 电线 变压器 跳闸 水费 电费 电表",
    ),
    "chengxiang-housing": (
        "危房 改造 住房 建房 宅基地审批",
        "危房 改造 住房 建房 宅基地审批 翻建 盖房 土坯房 漏雨 倒塌 危房改造",
    ),
    "chengxiang-planning": (
        "规划 违建 建设 工程",
        "规划 违建 违章建筑 私搭乱建 建设 工程 施工 工地 审批 手续 停工",
    ),
    "laodong-wages": ("工资 欠薪 农民工 讨薪", "工资 欠薪 农民工 讨薪 工钱 劳务费 包工头 血汗钱"),
    "laodong-insurance": (
        "养老保险 医保 社保 缴费",
        "养老保险 医保 社保 缴费 养老金 医疗保险 参保 断缴 退休",
    ),
    "laodong-jobs": ("就业 安置 岗位 培训", "就业 岗位 公益岗 培训 招工 务工 失业 招聘 找工作 再就业"),
    "jiaoyu-school": (
        "上学 入学 学校 校车 学费",
        "上学 入学 学校 校车 学费 学生 老师 转学 辍学 幼儿园 营养餐 助学金 补习 补课",
    ),
    "jiaoyu-culture": ("广场 文化 体育 健身", "广场 文化 体育 健身 篮球 书屋 图书室 广场舞 文艺 电影 文化站"),
    "weisheng-medical": (
        "卫生院 医疗 看病 报销 村医",
        "卫生院 卫生室 医疗 看病 报销 村医 医生 诊所 药 住院 体检 门诊",
    ),
    "weisheng-family": (
        "计生 生育 社会抚养费",
        "计生 生育 社会抚养费 二孩 独生子女 失独 计划生育 结扎 奖励扶助",
    ),
    "huanbao-pollution": (
        "污染 排污 噪音 异味 养殖场 工厂",
        "污染 排污 污水排放 噪音 异味 臭味 养殖场 养猪场 工厂 化工 粉尘 废水 黑烟 屠宰场 采砂",
    ),
    "huanbao-village": ("垃圾 厕所 污水 卫生 秸秆", "垃圾 厕所 旱厕 改厕 污水 秸秆 焚烧 村容 保洁"),
    "jiaotong-bus": ("公交 班车 客运 出行", "公交 班车 客运 出行 坐车 乘车 车票 票价 停运 线路 司机"),
    "jiaotong-safety": (
        "超载 路灯 安全 事故",
        "超载 路灯 交通安全 事故 红绿灯 减速带 超速 护栏 警示牌 渣土车 大货车 逆行 闯红灯 追尾 国道 路口",
    ),
    "shangmao-market": (
        "假冒 食品 价格 市场",
        "假冒 食品 价格 市场 商家 过期 伪劣 三无 农资 化肥 种子 农药 缺斤少两 摆摊 推销 加油站 餐馆 超市",
    ),
    "tudi": ("", "征地 征用 征收"),
    "tudi-compensation": (
        "征地 补偿款 青苗费 安置",
        "征地 征用 征收 补偿款 征地款 青苗费 土地补偿 附着物 失地 占地 补偿标准",
    ),
    "tudi-rights": ("地界 权属 确权 边界", "地界 权属 确权 边界 四至 林地 林权 自留地 土地证 集体土地"),
    "chaiqian": ("", "拆迁"),
    "chaiqian-resettle": (
        "拆迁 安置 补偿 强拆",
        "拆迁 强拆 安置房 回迁 过渡费 评估 拆除 旧村改造 棚户区 搬迁",
    ),
    "qiye": ("", "改制"),
    "qiye-workers": ("改制 下岗 职工 买断", "改制 下岗 职工 买断 工龄 破产 国企 供销社 集资款 原单位"),
    "chengbao": ("", "承包地 土地承包"),
    "chengbao-contract": (
        "承包 地 调地 分地 承包合同",
        "承包 承包地 调地 分地 承包合同 土地承包 承包经营 延包 机动地 口粮田 续签",
    ),
    "chengbao-transfer": ("流转 租金 合作社", "流转 租金 合作社 流转费 租地 种植大户 土地入股 转包"),
    "minzheng": ("", "救助 民政"),
    "minzheng-dibao": ("低保 特困 五保 救助", "低保 特困 五保 孤寡 敬老院 供养 生活困难 兜底"),
    "minzheng-disability": ("残疾 残疾证 补贴", "残疾 残疾人 残疾证 残联 护理补贴 两项补贴 轮椅 瘫痪"),
    "minzheng-temporary": (
        "临时救助 大病 受灾",
        "临时救助 大病 受灾 火灾 冰雹 洪水 台风 重病 医疗救助 手术费 医药费",
    ),
    "shefa": (
        "法院 判决 执行 诉讼 公安",
        "法院 判决 执行 诉讼 公安 派出所 起诉 官司 案件 立案 报案 律师 再审 申诉 判刑 调解书 诈骗",
    ),
    "linli": ("邻居 宅基地 滴水 排水 矛盾 吵架", "邻居 邻里 隔壁 滴水 房檐 排水沟 院墙 垒墙 光照 吵架 打架"),
}
FAMILY = {
    "code": "jiating",
    "name": "婚姻家庭",
    "proper_level": "village",
    "reform_related": False,
    "keywords": "赡养 离婚 家暴 抚养费 彩礼 悔婚 分家 家产 遗产 婆婆 儿媳 继母 生活费",
    "sort_order": 39,
}


def forwards(apps, schema_editor):
    Category = apps.get_model("petitions", "Category")
    Category.objects.get_or_create(code=FAMILY["code"], defaults=FAMILY)
    for cat in Category.objects.filter(code__in=KEYWORDS):
        before, after = KEYWORDS[cat.code]
        if cat.keywords in (before, ""):
            cat.keywords = after
            cat.save(update_fields=["keywords"])


def backwards(apps, schema_editor):
    Category = apps.get_model("petitions", "Category")
    for code, (before, after) in KEYWORDS.items():
        Category.objects.filter(code=code, keywords=after).update(keywords=before)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0008_petition_publish_opt_in")]

    operations = [migrations.RunPython(forwards, backwards)]
