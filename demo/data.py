"""The demo's content: places and produce from the Kunming report, people invented.

County codes are the official division codes. Townships and villages are real
place names; their codes are left blank rather than guessed. Every household
and contact person is fictional.
"""

from decimal import Decimal
from typing import Literal, TypedDict


class County(TypedDict):
    code: str
    name: str
    townships: dict[str, list[str]]  # township: its villages


#: UPC, title, category, price (yuan), stock, and the picture's background, colour and shape.
ProductRow = tuple[str, str, str, str, int, str, str, str]


class ProducerData(TypedDict):
    code: str
    login: str
    credit_body: str
    name: str
    kind: str
    county: str
    township: str
    contact_name: str
    contact_phone: str
    story: str
    products: list[ProductRow]


#: Household number in the county, kind, (rule, amount), product UPC or None for all.
BenefitLinkRow = tuple[int, str, tuple[Literal["per_unit", "share"], str], str | None]


COUNTIES: list[County] = [
    {
        "code": "530113",
        "name": "东川区",
        "townships": {
            "红土地镇": ["花沟村", "法者村"],
            "汤丹镇": ["菜园村", "中河村"],
            "乌龙镇": ["坪子村"],
        },
    },
    {
        "code": "530128",
        "name": "禄劝彝族苗族自治县",
        "townships": {
            "撒营盘镇": ["撒营盘村", "则黑村"],
            "翠华镇": ["翠华村"],
        },
    },
    {
        "code": "530129",
        "name": "寻甸回族彝族自治县",
        "townships": {
            "柯渡镇": ["柯渡村", "回辉村"],
            "羊街镇": ["羊街村"],
        },
    },
]

CATEGORIES = ["粮油米面", "茶饮冲调", "肉禽蛋品", "特色加工", "山货干果"]

PRODUCERS: list[ProducerData] = [
    {
        "code": "dongchuan-hongtudi",
        "login": "hongtudi",
        "credit_body": "93530113MA6K2Q8P1",
        "name": "东川红土地生态农业专业合作社",
        "kind": "cooperative",
        "county": "530113",
        "township": "红土地镇",
        "contact_name": "周建平",
        "contact_phone": "0871-62100001",
        "story": (
            "合作社在海拔两千米的红土地上种植洋芋、花生和老鹰茶，吸纳周边脱贫户务工，"
            "按收购价收购农户的洋芋和花生，年底再按入股分红。"
        ),
        "products": [
            (
                "YX-DC-001",
                "东川红土地大洋芋 5kg",
                "粮油米面",
                "29.90",
                300,
                "#c7a36b",
                "#8d6e3f",
                "round",
            ),
            (
                "YX-DC-002",
                "东川手工挂面 2kg",
                "粮油米面",
                "32.00",
                200,
                "#f3e1b6",
                "#e0c27a",
                "strand",
            ),
            (
                "YX-DC-003",
                "东川七彩花生 1kg",
                "山货干果",
                "39.80",
                150,
                "#e9c9a0",
                "#9c3d54",
                "round",
            ),
            (
                "YX-DC-004",
                "东川老鹰茶 250g",
                "茶饮冲调",
                "58.00",
                120,
                "#a8c686",
                "#5c7d2e",
                "leaf",
            ),
            (
                "YX-DC-005",
                "红土地苦荞面 1kg",
                "粮油米面",
                "26.00",
                180,
                "#d9c3a0",
                "#7b5a3a",
                "strand",
            ),
        ],
    },
    {
        "code": "xundian-lanfeng",
        "login": "lanfeng",
        "credit_body": "93530129MA6L7R3T2",
        "name": "寻甸岚峰养殖专业合作社",
        "kind": "cooperative",
        "county": "530129",
        "township": "柯渡镇",
        "contact_name": "马文清",
        "contact_phone": "0871-62100002",
        "story": "合作社带动农户散养黑山羊和土鸡，统一防疫、统一收购，农户以务工和分红增收。",
        "products": [
            (
                "YX-XD-001",
                "寻甸黑山羊肉 1kg",
                "肉禽蛋品",
                "118.00",
                60,
                "#e8d5c4",
                "#8b2e2e",
                "round",
            ),
            (
                "YX-XD-002",
                "高原散养土鸡蛋 30枚",
                "肉禽蛋品",
                "45.00",
                200,
                "#f5ecd9",
                "#e7c9a0",
                "round",
            ),
            (
                "YX-XD-003",
                "寻甸散养土鸡 1只",
                "肉禽蛋品",
                "98.00",
                40,
                "#efe0c8",
                "#b8742f",
                "round",
            ),
        ],
    },
    {
        "code": "xundian-meixiang",
        "login": "meixiang",
        "credit_body": "91530129MA6N4W5X3",
        "name": "寻甸玫香农业加工有限公司",
        "kind": "enterprise",
        "county": "530129",
        "township": "羊街镇",
        "contact_name": "李晓云",
        "contact_phone": "0871-62100003",
        "story": "公司流转农户土地种植食用玫瑰，雇用当地农户采摘加工，做成玫瑰花酱、鲜花饼和花茶。",
        "products": [
            (
                "YX-MX-001",
                "食用玫瑰花酱 500g",
                "特色加工",
                "36.00",
                160,
                "#f6d5dc",
                "#c2185b",
                "flower",
            ),
            (
                "YX-MX-002",
                "玫瑰鲜花饼 10枚",
                "特色加工",
                "39.90",
                220,
                "#f8e3c8",
                "#d81b60",
                "flower",
            ),
            (
                "YX-MX-003",
                "重瓣玫瑰花茶 100g",
                "茶饮冲调",
                "42.00",
                90,
                "#f3c6d3",
                "#ad1457",
                "flower",
            ),
        ],
    },
    {
        "code": "luquan-saying",
        "login": "saying",
        "credit_body": "93530128MA6P9Y2K4",
        "name": "禄劝撒营盘山货专业合作社",
        "kind": "cooperative",
        "county": "530128",
        "township": "撒营盘镇",
        "contact_name": "王秀英",
        "contact_phone": "0871-62100004",
        "story": "彝族山村的合作社收购农户采集的野生蜂蜜、核桃和高山荞麦，统一包装销售。",
        "products": [
            (
                "YX-LQ-001",
                "禄劝高山野生蜂蜜 500g",
                "山货干果",
                "88.00",
                80,
                "#fbe3a6",
                "#d99a1c",
                "round",
            ),
            (
                "YX-LQ-002",
                "禄劝薄壳核桃 1kg",
                "山货干果",
                "49.00",
                140,
                "#e6d4b8",
                "#8a6a43",
                "round",
            ),
            (
                "YX-LQ-003",
                "禄劝高山苦荞米 2kg",
                "粮油米面",
                "25.00",
                160,
                "#e8dcc0",
                "#6d5a3b",
                "round",
            ),
        ],
    },
]

# Fictional household heads: common family names with ordinary given names.
FAMILY_NAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何罗高林"
GIVEN_NAMES = [
    "春花",
    "建国",
    "玉兰",
    "志强",
    "秀珍",
    "国华",
    "丽芬",
    "德明",
    "桂英",
    "永福",
    "海燕",
    "红梅",
    "学文",
    "金凤",
    "光明",
    "小平",
    "云霞",
    "家顺",
    "文秀",
    "成林",
]
HOUSEHOLD_KINDS = ["exited", "exited", "marginal", "ordinary", "exited", "sudden"]
HOUSEHOLDS_PER_VILLAGE = 3

# Households in warning added after the generated ones (codes 530113-0034 to 530113-0046, after
# every county's generated households), so that the targeting figures (lift per ¥1,000, gap to
# the line; groups under 5 households are folded) show numbers on the demo: ten in 红土地镇, whose
# row of the gap page then shows figures, and three in 汤丹镇's 菜园村, so that the townships
# and villages folded beside 红土地镇's (汤丹镇, 乌龙镇) hold 5 households in warning together
# and cannot be worked out from the county's total. All are 脱贫户 (exited): their clues fill no
# monitoring-target type the demo's targets (demo/targets.py) leave open.
# Line: 1.5 × 4,600.00 = 6,900.00 a head. Gap = 6,900.00 × members (+ rigid) − income.
# (village, members, labour, income this year, rigid expenditure or None, members unable to work)
#   code  level           per head   gap        gap a head
#   0034  Ⅳ yellow        6,780.00     480.00     120.00
#   0035  Ⅳ yellow        6,750.00     450.00     150.00
#   0036  Ⅳ yellow        6,520.00   1,900.00     380.00
#   0037  Ⅱ blue (no labour) 6,650.00  500.00     250.00
#   0038  Ⅳ yellow        6,100.00   3,200.00     800.00
#   0039  Ⅱ blue (no labour) 5,400.00 1,500.00   1,500.00
#   0040  Ⅲ purple (rigid 9,600.00: (36,000 − 9,600) / 4 = 6,600.00)  1,200.00  300.00
#   0041  Ⅲ purple (a member unable to work): no sales can lift it (unreachable)
#   0042  Ⅳ yellow        5,200.00  10,200.00   1,700.00
#   0043  Ⅳ yellow        4,750.00   6,450.00   2,150.00
#   0044  Ⅳ yellow        6,300.00   2,400.00     600.00   (汤丹镇 菜园村, like the two below)
#   0045  Ⅳ yellow        5,800.00   3,300.00   1,100.00
#   0046  Ⅱ blue (no labour) 5,300.00 3,200.00  1,600.00
# 红土地镇's ten: within ¥200 / ¥500 / ¥1,000 / ¥2,000 a head 2 / 5 / 6 / 8, one unreachable,
# reachable gaps ¥25,880.00; 菜园村's three: 0 / 0 / 1 / 3, ¥8,900.00.
WarningHouseholdRow = tuple[str, int, int, str, str | None, int]
WARNING_HOUSEHOLDS_COUNTY = "530113"
WARNING_HOUSEHOLDS: dict[str, list[WarningHouseholdRow]] = {
    "红土地镇": [
        ("花沟村", 4, 2, "27120.00", None, 0),
        ("花沟村", 3, 2, "20250.00", None, 0),
        ("花沟村", 5, 3, "32600.00", None, 0),
        ("花沟村", 2, 0, "13300.00", None, 0),
        ("法者村", 4, 3, "24400.00", None, 0),
        ("法者村", 1, 0, "5400.00", None, 0),
        ("法者村", 4, 2, "36000.00", "9600.00", 0),
        ("法者村", 3, 1, "25800.00", "6000.00", 1),
        ("花沟村", 6, 4, "31200.00", None, 0),
        ("法者村", 3, 1, "14250.00", None, 0),
    ],
    "汤丹镇": [
        ("菜园村", 4, 2, "25200.00", None, 0),
        ("菜园村", 3, 1, "17400.00", None, 0),
        ("菜园村", 2, 0, "10600.00", None, 0),
    ],
}

DEMO_STAFF = {"username": "admin", "email": "admin@yixiang.example", "password": "yixiang-demo"}
# The platform's own staff (common.roles): finance (payments, transfers, refunds) and
# operations (producers, work units); neither sees households.
DEMO_PLATFORM_STAFF = [
    {"username": "finance", "email": "finance@yixiang.example", "role": "finance"},
    {"username": "ops", "email": "ops@yixiang.example", "role": "operations"},
]
# Monitoring staff of 东川区: sees only that county in the back office.
DEMO_COUNTY_STAFF = {
    "username": "dongchuan",
    "email": "dongchuan@yixiang.example",
    "password": "yixiang-demo",
    "county": "530113",
}
# The review's three levels in 东川区: a village, a township and a county reviewer, so a
# clue can be walked through (verify and notice, township review, county approval).
DEMO_REVIEWERS = [
    {
        "username": "dc-village",
        "email": "dc-village@yixiang.example",
        "password": "yixiang-demo",
        "area": ["红土地镇", "花沟村"],
    },
    {
        "username": "dc-township",
        "email": "dc-township@yixiang.example",
        "password": "yixiang-demo",
        "area": ["红土地镇"],
    },
    {
        "username": "dc-county",
        "email": "dc-county@yixiang.example",
        "password": "yixiang-demo",
        "area": [],
    },
]
DEMO_REVIEWERS_COUNTY = "530113"
# Who takes objections to 花沟村's public notices (a made-up village official).
DEMO_NOTICE_CONTACT = {"contact": "花沟村村委会 李主任", "phone": "0871-62100000"}
# An approved school canteen that may pay after delivery (先货后款), and its buyer's login.
# The credit code is made up: 1 (机构编制) 2 (事业单位) 530113 (东川区), a made-up
# organisation code, and the GB 32100 check character stdnum computes for it.
DEMO_WORK_UNIT = {
    "name": "昆明市东川区第一中学食堂",
    "kind": "school",
    "credit_code": "12530113MB0N85431K",
}
DEMO_WORK_UNIT_TERMS_DAYS = 30
DEMO_CANTEEN_BUYER = {
    "username": "canteen",
    "email": "canteen@yixiang.example",
    "password": "yixiang-demo",
}
# Every demo login's mobile number, to sign in with as well as the username or e-mail
# (issue #19; README "Demo logins"). Made up, in one block of one mobile prefix.
DEMO_MOBILES = {
    "admin": "13800000001",
    "finance": "13800000002",
    "ops": "13800000003",
    "dongchuan": "13800000004",
    "dc-county": "13800000005",
    "dc-township": "13800000006",
    "dc-village": "13800000007",
    "zhibo": "13800000008",
    "canteen": "13800000009",
    "hongtudi": "13800000010",
    "lanfeng": "13800000011",
    "meixiang": "13800000012",
    "saying": "13800000013",
}
# A demo figure for the national poverty standard (yuan per person per year);
# staff keep the real one per year in the thresholds table.
NATIONAL_STANDARD = Decimal("4600.00")

HOME = {
    "title": "益享 · 消费帮扶",
    "banner_title": "买一份山货，帮一户人家",
    "banner_text": "东川、禄劝、寻甸脱贫地区的好物，每一元都能追溯到受益农户。",
    "intro": (
        "<p>益享把脱贫地区合作社和农户的农副产品卖给个人和单位食堂，"
        "并把每一笔销售收入记到受益农户的收入台账上。</p>"
    ),
}

STORY = {
    "title": "红土地上的大洋芋",
    "slug": "hongtudi-potatoes",
    "producer": "dongchuan-hongtudi",
    "intro": "东川红土地的合作社如何带着脱贫户种洋芋、卖洋芋。",
    "body": (
        "<p>东川的红土地海拔高、日照足，种出的洋芋个大、面沙。过去农户种了卖不出去，"
        "如今合作社统一收购、分拣、包装，通过益享卖到城里的家庭和单位食堂。</p>"
        "<p>合作社与花沟村、法者村的农户签订收购协议，按斤付款；年底拿出利润的一部分按户分红。</p>"
    ),
}

NEWS = {
    "title": "区委书记走进直播间，为东川农产品带货",
    "slug": "livestream-dongchuan",
    "intro": "一场直播，把东川的大洋芋、面条、七彩花生和老鹰茶带到了更多人的餐桌上。",
    "body": (
        "<p>6月的一个下午，一位区委书记在抖音直播间为东川区优质农副产品做推介："
        "大洋芋、面条、七彩花生、老鹰茶，全部来自东川独特的红土地。</p>"
        "<p>消费扶贫让脱贫群众的产品卖得出、卖得好，是防止返贫的一条长效途径。</p>"
    ),
}

# The demo's certifying body, and the links from producers to households:
# (household number within the producer's county, kind, per unit or share %, product UPC or None for all).
CERTIFIER = "昆明市农业农村局（演示）"
EXPIRING_SOON_UPC = "YX-DC-004"  # its certification runs out within 30 days
BENEFIT_LINKS: dict[str, list[BenefitLinkRow]] = {
    "dongchuan-hongtudi": [
        (1, "purchase", ("per_unit", "3.00"), "YX-DC-001"),
        (2, "purchase", ("per_unit", "4.00"), "YX-DC-003"),
        (4, "employment", ("share", "8.00"), None),
        (5, "dividend", ("share", "5.00"), None),
        (7, "purchase", ("share", "20.00"), "YX-DC-004"),
        # 苦荞面 (which the demo's orders never sell) reaches five households, two of them in
        # warning (Ⅲ purple): the planner's lift per ¥1,000 shows it unfolded (5 or more).
        (7, "purchase", ("per_unit", "6.00"), "YX-DC-005"),
        (14, "purchase", ("share", "10.00"), "YX-DC-005"),
        (3, "purchase", ("per_unit", "2.00"), "YX-DC-005"),
        # The households in warning added above (number 16 is 530113-0034, ..., 25 is
        # 530113-0043), through two products the demo's orders never sell, so that the planner,
        # the what-if and the canteen's 帮扶优先 list show counts: 苦荞面 reaches 10 households,
        # 8 of them in warning (7 once the demo sale's payout lifts 530113-0005), 七彩花生 8,
        # 6 in warning (5). ¥20,000 of either takes two of them over the line (预计).
        (16, "purchase", ("per_unit", "2.00"), "YX-DC-005"),
        (17, "purchase", ("per_unit", "1.50"), "YX-DC-005"),
        (18, "employment", ("share", "6.00"), "YX-DC-005"),
        (20, "purchase", ("per_unit", "1.00"), "YX-DC-005"),
        (23, "purchase", ("per_unit", "1.00"), "YX-DC-005"),
        (19, "land_rent", ("share", "3.00"), "YX-DC-003"),
        (21, "dividend", ("share", "2.00"), "YX-DC-003"),
        (22, "purchase", ("per_unit", "3.00"), "YX-DC-003"),
        (24, "purchase", ("per_unit", "2.00"), "YX-DC-003"),
        (25, "employment", ("share", "4.00"), "YX-DC-003"),
    ],
    "xundian-lanfeng": [
        (1, "purchase", ("per_unit", "15.00"), "YX-XD-001"),
        (2, "employment", ("share", "6.00"), None),
        (3, "dividend", ("share", "4.00"), None),
    ],
    "xundian-meixiang": [
        (4, "land_rent", ("share", "5.00"), None),
        (5, "employment", ("share", "10.00"), None),
    ],
    "luquan-saying": [
        (1, "purchase", ("per_unit", "12.00"), "YX-LQ-001"),
        (2, "purchase", ("per_unit", "6.00"), "YX-LQ-002"),
        (3, "direct", ("share", "30.00"), "YX-LQ-003"),
    ],
}

# The demo sale, placed and paid as load_demo runs: the school canteen's order of 红土地
# produce, paid by bank transfer, its attribution written. It makes amounts due to households
# 1, 4, 5 and 7 of 东川区 through the links above. Due amounts are not income: they move no
# warning level (only payouts producers actually make do).
DEMO_SALE_NUMBER = "YX-DEMO-0001"
DEMO_SALE_LINES = [("YX-DC-001", 10), ("YX-DC-002", 5), ("YX-DC-004", 2)]  # ¥299 + ¥160 + ¥116
DEMO_SALE_BANK_REFERENCE = "DEMO-ICBC-0001"
DEMO_SALE_ADDRESS = {
    # The Chinese address (shop/address/forms.py): 收货人 in last_name, 省/市/区 in state/line4/line3.
    "first_name": "",
    "last_name": "东川区第一中学食堂",
    "line1": "铜都街道东川区第一中学",
    "line3": "东川区",
    "line4": "昆明市",
    "state": "云南省",
    "postcode": "654100",
    "phone_number": "+8613800138000",
}
# A household just under the line: 5 members, 3 able to work, no rigid expenditure. Its
# recorded income this year is 34,480.00 yuan, 6,896.00 a head: just under the monitoring
# line (1.5 × 4,600.00 = 6,900.00), so yellow (Ⅳ). Its 5% dividend link to 红土地 makes 5% of
# the sale's ¥575.00, ¥28.75, due to it; that alone lifts nobody. A payout of ¥20.00 or more
# would take it to 6,900.00 a head or more: green (Ⅴ).
DEMO_SALE_HOUSEHOLD = "530113-0005"
DEMO_SALE_HOUSEHOLD_INCOME = Decimal("34480.00")

# What 红土地 actually paid (已兑付) of what the demo sale made due (demo/payouts.py), by link kind:
# (kind, amount, method, reference, note). Due: purchase premium (household 1) 10 × 3.00 =
# 30.00; wages (household 4) 8% of 575.00 = 46.00; dividend (household 5, 530113-0005) 5% of
# 575.00 = 28.75; household 7's premium (20% of 116.00 = 23.20) is left unpaid. The ¥25.00
# dividend leaves ¥3.75 outstanding and lifts 530113-0005 by itself once payouts count:
# (34,480.00 + 25.00) / 5 = 6,901.00 a head, over the line of 6,900.00.
DEMO_PAYOUT_PRODUCER = "dongchuan-hongtudi"
DEMO_PAYOUT_LOGIN = "hongtudi"
DEMO_PAYOUTS = [
    ("purchase", "30.00", "cash", "HTD-SG-0001", "洋芋收购加价款"),
    ("employment", "50.00", "bank", "HTD-GZ-0004", "分拣包装务工工资"),
    ("dividend", "25.00", "wechat", "HTD-FH-0005", "年度分红（首期）"),
]

# The home page features Dongchuan's livestream products first.
FEATURED_UPCS = [
    "YX-DC-001",
    "YX-DC-002",
    "YX-DC-003",
    "YX-DC-004",
    "YX-XD-001",
    "YX-MX-001",
    "YX-LQ-001",
    "YX-XD-002",
]

PRICE_CURRENCY = "CNY"
