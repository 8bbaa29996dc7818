"""Names, eras, housing and feud subjects of the generated households, with their weights."""

from collections.abc import Sequence
from itertools import accumulate
from random import Random

from minqing.households.models import (
    FeudStatus,
    Housing,
)

# ---------------------------------------------------------------------------------------------------
# Names. Surname weights follow the national frequency, leaning to the Central Plains (王李张刘 first).

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 8.0), ("李", 7.6), ("张", 7.4), ("刘", 5.6), ("陈", 3.6), ("杨", 3.2), ("赵", 2.6),
    ("黄", 1.4), ("周", 1.7), ("吴", 1.4), ("徐", 1.4), ("孙", 1.6), ("胡", 1.2), ("朱", 1.3),
    ("高", 1.5), ("郭", 1.6), ("马", 1.5), ("何", 0.7), ("罗", 0.5), ("梁", 0.8), ("宋", 1.1),
    ("郑", 1.0), ("谢", 0.6), ("韩", 0.9), ("唐", 0.5), ("冯", 0.9), ("于", 0.8), ("董", 0.9),
    ("程", 0.8), ("曹", 0.9), ("袁", 0.6), ("许", 0.9), ("邓", 0.4), ("吕", 0.7), ("苏", 0.6),
    ("蒋", 0.4), ("蔡", 0.5), ("贾", 0.8), ("丁", 0.6), ("魏", 0.8), ("薛", 0.5), ("阎", 0.6),
    ("杜", 0.6), ("田", 0.7), ("任", 0.6), ("姜", 0.4), ("范", 0.6), ("石", 0.6), ("姚", 0.5),
    ("崔", 0.6), ("孟", 0.6), ("侯", 0.5), ("秦", 0.4), ("史", 0.5), ("牛", 0.5), ("申", 0.3),
    ("焦", 0.3), ("葛", 0.3), ("岳", 0.3), ("常", 0.4), ("武", 0.4), ("乔", 0.3), ("雷", 0.3),
    ("白", 0.3), ("翟", 0.2), ("靳", 0.2), ("齐", 0.2), ("尚", 0.2), ("付", 0.4), ("闫", 0.4),
)  # fmt: skip
HUI_SURNAMES: tuple[tuple[str, float], ...] = (
    ("马", 5.0), ("白", 1.5), ("丁", 1.2), ("海", 0.6), ("沙", 0.6), ("米", 0.4), ("穆", 0.4), ("金", 0.4),
)  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by gender and birth period: names track the era (建国, 卫东, 磊, 子轩 …).
_GIVEN: dict[tuple[str, int], tuple[str, ...]] = {
    ("M", 0): _words(
        "建国 国庆 德胜 振华 保国 文明 长贵 富贵 守业 玉林 "
        "金山 树林 广田 明德 永福 万福 长林 德才 福来 长顺 "
        "满仓 春生 秋生 来福 有才 世昌 志成 凤山 清和 玉堂 "
        "殿臣 景春 学礼 兴旺 得水"
    ),
    ("F", 0): _words(
        "桂兰 秀英 凤英 玉兰 秀兰 桂英 淑珍 素珍 翠花 玉梅 "
        "秀珍 兰英 桂花 玉珍 凤兰 金花 秀云 玉芝 春花 淑英 "
        "桂芝 凤琴 月娥 秀梅 荣华 玉凤 爱莲 香兰 素云 桂荣"
    ),
    ("M", 1): _words(
        "建军 红军 卫东 志强 建伟 国强 海军 永刚 建设 卫国 "
        "新民 建华 红旗 振国 向东 跃进 胜利 国华 建平 利民 "
        "志刚 立新 学军 长江 建民 保平 拥军 红卫 国平 东升 "
        "海洋 全喜 铁军 爱民"
    ),
    ("F", 1): _words(
        "红梅 丽华 秀芬 彩霞 爱华 桂琴 红霞 丽萍 玉华 春梅 "
        "美玲 小红 建英 卫红 艳红 秋菊 翠英 素梅 雪梅 红英 "
        "爱玲 秀红 玉霞 凤霞 春霞 爱琴 金凤 红艳 丽君 秀丽"
    ),
    ("M", 2): _words(
        "磊 鹏 超 涛 浩 伟 强 帅 杰 亮 鑫 龙 阳 军 勇 "
        "斌 辉 刚 明 晓东 海涛 建伟 志勇 小龙 文博 俊峰 伟伟 "
        "亚东 亚飞 振宇 国栋 红伟 利军 永亮 俊杰 晓辉 亚磊 "
        "朋朋 新亮"
    ),
    ("F", 2): _words(
        "静 娜 丹 婷 倩 娟 晶 莉 佳 雪 丽娜 晓燕 艳芳 丽丽 "
        "亚楠 亚丽 燕 霞 敏 玲 慧 芳芳 梦 萌 晓丽 艳丽 丽娟 "
        "亚萍 晓静 春燕 利娟 欢欢 盼盼 园园 晓敏"
    ),
    ("M", 3): _words(
        "子豪 浩然 一帆 志远 嘉豪 俊杰 梓豪 家乐 博文 宇航 "
        "浩宇 鹏飞 明轩 子健 晨阳 天宇 佳豪 旭东 凯 昊 昊天 "
        "家豪 文轩 少杰 振豪 梦龙 世豪 金龙 晨曦 一鸣"
    ),
    ("F", 3): _words(
        "欣怡 梦瑶 雨欣 佳琪 思雨 可欣 晓雪 欣雨 梦洁 诗雨 "
        "雨婷 婉婷 若曦 静怡 怡然 紫薇 佳慧 梦圆 雅琪 珂欣 "
        "晨雪 梦婷 心怡 雨晴 一丹 佳欣 晴晴 欣然"
    ),
    ("M", 4): _words(
        "子轩 浩宇 宇轩 梓豪 一诺 沐阳 皓轩 奕辰 梓睿 铭泽 "
        "承泽 子墨 煜祺 俊熙 锦程 宇泽 嘉懿 梓航 浩轩 思源 "
        "子骞 博涵 睿泽 天佑 宸宇 逸飞 梓晨 明哲 俊豪 书恒"
    ),
    ("F", 4): _words(
        "梓涵 欣妍 可馨 雨桐 语桐 诗涵 思彤 梓萱 若汐 芊芊 "
        "紫萱 沐晴 安琪 艺涵 一涵 梦琪 依诺 欣悦 佳怡 子涵 "
        "雨萱 诗琪 梓晴 悦溪 语嫣 可欣 书瑶 紫涵 思琪"
    ),
}
# Beyond the listed names, an era's usual first and second characters combine into many more, so a
# county of 900,000 people does not repeat the same few hundred names.
_GIVEN_CHARS: dict[tuple[str, int], tuple[str, str]] = {
    ("M", 0): ("德福永长玉金树广守万世清殿景学兴", "林山才福贵顺田成生堂臣春礼旺和"),
    ("F", 0): ("桂秀凤玉淑素翠兰金月爱香", "兰英珍梅花芝琴云凤莲荣娥"),
    ("M", 1): ("建国志永振红卫海新立学保东跃胜", "军伟强华民平东明林刚峰生进利"),
    ("F", 1): ("红丽秀彩爱桂玉春美艳秋翠雪金", "梅华芬霞琴萍英红菊玲丽艳芳"),
    ("M", 2): ("晓海志小文俊亚振国红利永新朋", "东涛勇龙博峰飞宇栋伟军亮辉磊"),
    ("F", 2): ("丽晓艳亚春利欢盼园梦", "娜燕芳丽楠萍静娟敏丹"),
    ("M", 3): ("子浩一志嘉俊梓家博宇鹏明天佳旭文", "豪然帆远杰乐文航宇飞轩健阳东"),
    ("F", 3): ("欣梦雨佳思可晓诗婉若静怡紫雅心", "怡瑶欣琪雨雪洁婷曦然薇慧圆晴"),
    ("M", 4): ("子浩宇梓一沐皓奕铭承煜俊锦嘉思博睿天宸逸", "轩宇豪诺阳辰睿泽墨祺熙程懿航源骞涵佑晨哲"),
    ("F", 4): ("梓欣可雨语诗思若芊紫沐安艺一依悦书", "涵妍馨桐彤萱汐晴琪诺悦溪嫣瑶"),
}
# Brothers born 1955–1994 often share a generation character (字辈).
_GENERATION_CHARS = tuple("建国志永振红卫海晓亚新")
_GENERATION_SECOND = tuple("军伟强涛峰刚明东辉杰华林亮勇")

_PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "171 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
)

HOUSING_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Housing.CONCRETE, 74),
    (Housing.BRICK_WOOD, 17),
    (Housing.EARTH, 4),
    (Housing.UNSAFE_C, 1.6),
    (Housing.UNSAFE_D, 0.6),
    (Housing.NONE, 1.0),
    (Housing.OTHER, 1.8),
)
_UNSAFE = (Housing.UNSAFE_C, Housing.UNSAFE_D)

# What village feuds are about, with the detail a cadre would write down. {n} is filled in.
FEUD_SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("宅基地边界", ("翻建房屋时院墙越界约{n}0厘米", "两家院墙间过道归属有争议", "盖厨房占了对方宅基地一角")),
    ("排水沟", ("雨季排水流入对方院内", "排水沟被填平，积水淹了对方门口", "下水管道改道引发争执")),
    ("土地承包边界", ("地界石被移动，双方各执一词", "犁地越过地界约{n}垄", "调地后地块四至不清")),
    ("赡养老人", ("兄弟间对老人赡养费分摊有争议", "老人轮流居住安排谈不拢", "老人看病费用分担有分歧")),
    ("借款纠纷", ("借款{n}万元逾期未还", "合伙养殖欠款{n}万元未结清", "代购化肥欠款未还")),
    ("树木遮光", ("房后杨树遮挡采光，要求砍伐", "地头桐树遮挡庄稼，要求修剪", "树根拱坏对方院墙")),
    ("牲畜毁苗", ("散养的羊啃食麦苗，赔偿未谈拢", "鸡鸭进地毁坏菜苗", "牛挣脱缰绳踩坏玉米")),
    ("通行纠纷", ("胡同出入通道被堆放杂物堵塞", "修院门占用共用通道", "农用车进出碾压对方门前")),
    ("灌溉用水", ("机井轮灌顺序争执", "浇地时水流进对方地里", "共用水泵电费分摊有争议")),
    ("房屋滴水", ("屋檐滴水落入邻家院内", "新房檐口伸入对方院落上空", "房顶排水冲刷对方墙根")),
    ("婚姻家庭", ("离婚后彩礼返还有争议", "婚后分家财产分割不均", "子女抚养费未按约支付")),
    ("务工工钱", ("建房帮工工钱{n}千元未结清", "带工外出务工工资拖欠", "收粮雇工工钱有争议")),
)  # fmt: skip
_FEUD_NOTES: dict[str, tuple[str, ...]] = {
    FeudStatus.ACTIVE: (
        "村调委会已调解{n}次，双方仍有分歧",
        "双方互不相让，需持续关注",
        "曾发生口角推搡，需防止矛盾激化",
        "",
    ),
    FeudStatus.EASED: (
        "经村干部协调，双方口头达成谅解",
        "包村干部上门做工作后有所缓和",
        "双方同意暂维持现状",
    ),
    FeudStatus.RESOLVED: ("镇司法所主持调解，已签订调解协议", "经人民调解员调解，已履行完毕", "双方自行和解"),
}
_KIN_SUBJECTS = ("兄弟分户", "父子分户", "堂兄弟", "姻亲", "叔侄")
_NEIGHBOUR_SUBJECTS = ("隔壁邻居", "前后院邻居", "同一胡同", "邻居，平时互相照应")


class _Choice:
    """A weighted choice whose cumulative weights are computed once, not on every draw."""

    def __init__(self, table: Sequence[tuple[str, float]]) -> None:
        self.keys = [k for k, _w in table]
        self.cum_weights = list(accumulate(w for _k, w in table))

    def pick(self, rng: Random) -> str:
        return rng.choices(self.keys, cum_weights=self.cum_weights)[0]


_SURNAME = _Choice(SURNAMES)
_HUI_SURNAME = _Choice(HUI_SURNAMES)
_HOUSING = _Choice(HOUSING_WEIGHTS)


def _era(year: int) -> int:
    if year < 1955:
        return 0
    if year < 1975:
        return 1
    if year < 1995:
        return 2
    if year < 2010:
        return 3
    return 4
