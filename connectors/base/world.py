"""The shared synthetic population (persons and enterprises) that every agency's generator draws on.

One :class:`World` is built from a seed; each agency's ``synth.generate(world)`` then derives its
own tables from it, so an ID number, a USCC, an employer or a legal representative means the same
subject in every agency. Everything is deterministic: one ``random.Random(seed)``, no global random
state, no ``hash()`` of strings and no set iteration order.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import accumulate

from connectors.base.identifiers import make_id_number, make_uscc

__all__ = [
    "AS_OF",
    "CITIES",
    "COURTS",
    "INDUSTRIES",
    "REGIONS",
    "REGION_SHORT",
    "STREETS",
    "EnterpriseSeed",
    "PersonSeed",
    "World",
    "address_prefix",
    "age_on",
    "build_world",
    "is_working_age",
    "market_authority",
    "police_authority",
]

# The "today" of the synthetic data: insurance paid up to 2026-10, cases filed up to 2026-11-01.
AS_OF = date(2026, 11, 1)

# The courts whose measures the agencies' registers hold: (code, case-number abbreviation, name).
COURTS: tuple[tuple[str, str, str], ...] = (
    ("370602", "鲁0602", "烟台市芝罘区人民法院"),
    ("370612", "鲁0612", "烟台市牟平区人民法院"),
    ("370613", "鲁0613", "烟台市莱山区人民法院"),
)

# GB/T 2260 county-level code -> (province, city, county).
REGIONS: dict[str, tuple[str, str, str]] = {
    "370602": ("山东省", "烟台市", "芝罘区"),
    "370611": ("山东省", "烟台市", "福山区"),
    "370612": ("山东省", "烟台市", "牟平区"),
    "370613": ("山东省", "烟台市", "莱山区"),
    "370681": ("山东省", "烟台市", "龙口市"),
    "370682": ("山东省", "烟台市", "莱阳市"),
    "370683": ("山东省", "烟台市", "莱州市"),
    "370686": ("山东省", "烟台市", "栖霞市"),
    "370687": ("山东省", "烟台市", "海阳市"),
    "370102": ("山东省", "济南市", "历下区"),
    "370103": ("山东省", "济南市", "市中区"),
    "370202": ("山东省", "青岛市", "市南区"),
    "370203": ("山东省", "青岛市", "市北区"),
    "110105": ("北京市", "北京市", "朝阳区"),
    "210202": ("辽宁省", "大连市", "中山区"),
    "320102": ("江苏省", "南京市", "玄武区"),
    "230102": ("黑龙江省", "哈尔滨市", "道里区"),
    "130102": ("河北省", "石家庄市", "长安区"),
    "410105": ("河南省", "郑州市", "金水区"),
}

# City -> (province abbreviation, vehicle plate prefixes, telephone area code).
CITIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "烟台市": ("鲁", ("鲁F", "鲁Y"), "0535"),
    "济南市": ("鲁", ("鲁A",), "0531"),
    "青岛市": ("鲁", ("鲁B", "鲁U"), "0532"),
    "北京市": ("京", ("京N", "京Q"), "010"),
    "大连市": ("辽", ("辽B",), "0411"),
    "南京市": ("苏", ("苏A",), "025"),
    "哈尔滨市": ("黑", ("黑A",), "0451"),
    "石家庄市": ("冀", ("冀A",), "0311"),
    "郑州市": ("豫", ("豫A",), "0371"),
}

# Short forms of the county names, as used in document numbers (芝市监处罚〔2024〕123号).
REGION_SHORT: dict[str, str] = {
    "370602": "芝", "370611": "福", "370612": "牟", "370613": "莱山", "370681": "龙",
    "370682": "莱阳", "370683": "莱州", "370686": "栖", "370687": "海阳", "370102": "历下",
    "370103": "济中", "370202": "市南", "370203": "市北", "110105": "京朝", "210202": "连中",
    "320102": "玄", "230102": "道里", "130102": "石长", "410105": "金",
}  # fmt: skip

# Where persons are registered (weights): Yantai first, then Jinan/Qingdao, a few elsewhere.
_PERSON_REGION_WEIGHTS: dict[str, float] = {
    "370602": 24, "370611": 7, "370612": 7, "370613": 10, "370681": 6, "370682": 5,
    "370683": 5, "370686": 3, "370687": 3, "370102": 5, "370103": 4, "370202": 5,
    "370203": 4, "110105": 2.5, "210202": 2, "320102": 1.5, "230102": 1.5, "130102": 1.5,
    "410105": 2,
}  # fmt: skip
_ENTERPRISE_REGION_WEIGHTS: dict[str, float] = {
    "370602": 30, "370611": 8, "370612": 8, "370613": 14, "370681": 6, "370682": 4,
    "370683": 4, "370686": 2, "370687": 2, "370102": 5, "370103": 4, "370202": 5,
    "370203": 4, "110105": 1.5, "210202": 1, "320102": 0.5, "230102": 0.3, "130102": 0.3,
    "410105": 0.4,
}  # fmt: skip

STREETS: dict[str, tuple[str, ...]] = {
    "370602": (
        "南大街",
        "北马路",
        "只楚路",
        "幸福路",
        "西大街",
        "环山路",
        "毓璜顶路",
        "胜利路",
        "解放路",
        "青年南路",
        "红旗中路",
        "芝罘屯路",
        "大海阳路",
        "二马路",
    ),
    "370611": ("福海路", "永达街", "河滨路", "福新街", "松花江路", "汇福街"),
    "370612": ("正阳路", "文化街", "新城大街", "通海路", "宁海大街"),
    "370613": ("观海路", "迎春大街", "港城东大街", "山海路", "滨海中路", "清泉路", "府后路"),
    "370681": ("港城大道", "振华路", "东莱街", "港栾路", "南山路"),
    "370682": ("昌山路", "五龙路", "旌旗路", "鹤山路", "富山路"),
    "370683": ("文化东街", "光州街", "府前路", "文泉路", "云峰路"),
    "370686": ("迎宾路", "霞光路", "跃进路", "文化路"),
    "370687": ("海政路", "方圆路", "海阳路", "凤城路"),
    "370102": ("泉城路", "经十路", "解放路", "历山路", "文化东路", "山大路"),
    "370103": ("经四路", "纬二路", "英雄山路", "经七路", "顺河街"),
    "370202": ("香港中路", "中山路", "南京路", "江西路", "燕儿岛路"),
    "370203": ("辽宁路", "台东一路", "延吉路", "敦化路", "威海路"),
    "110105": ("朝阳路", "建国路", "望京街", "安立路", "东三环北路"),
    "210202": ("人民路", "解放路", "中山路", "港湾街"),
    "320102": ("中山路", "北京东路", "珠江路", "太平北路"),
    "230102": ("中央大街", "友谊路", "安升街", "经纬街"),
    "130102": ("中山东路", "建设大街", "谈固南大街", "跃进路"),
    "410105": ("金水路", "花园路", "文化路", "经三路", "农业路"),
}
# Towns of the county-level cities, for rural addresses (…镇…村…号).
_TOWNS: dict[str, tuple[str, ...]] = {
    "370681": ("诸由观镇", "兰高镇", "北马镇", "芦头镇"),
    "370682": ("姜疃镇", "万第镇", "照旺庄镇", "穴坊镇"),
    "370683": ("沙河镇", "朱桥镇", "平里店镇", "驿道镇"),
    "370686": ("桃村镇", "亭口镇", "松山街道", "唐家泊镇"),
    "370687": ("留格庄镇", "徐家店镇", "发城镇", "郭城镇"),
    "370611": ("门楼街道", "高疃镇", "张格庄镇"),
    "370612": ("王格庄镇", "观水镇", "龙泉镇"),
}
_VILLAGES = ("前进", "东河", "王家庄", "李家疃", "西庄", "南沟", "北埠", "大疃", "后夼", "孙家",
             "姜家", "于家泊", "曲家", "河南", "山后", "台上")  # fmt: skip

_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.0), ("杨", 3.1), ("黄", 1.6),
    ("赵", 2.2), ("吴", 1.5), ("周", 1.6), ("徐", 1.5), ("孙", 2.4), ("马", 1.3), ("朱", 1.1),
    ("胡", 1.0), ("郭", 1.1), ("何", 0.8), ("林", 0.9), ("高", 1.2), ("罗", 0.6), ("郑", 0.8),
    ("梁", 0.7), ("谢", 0.5), ("宋", 0.9), ("唐", 0.5), ("许", 0.6), ("韩", 0.7), ("冯", 0.6),
    ("邓", 0.4), ("曹", 0.6), ("彭", 0.4), ("曾", 0.3), ("肖", 0.4), ("田", 0.6), ("董", 0.7),
    ("袁", 0.4), ("潘", 0.4), ("于", 1.6), ("姜", 1.2), ("曲", 0.6), ("隋", 0.3), ("迟", 0.3),
    ("慕", 0.2), ("衣", 0.2), ("栾", 0.2), ("修", 0.1), ("丛", 0.2), ("初", 0.2), ("鞠", 0.2),
    ("欧阳", 0.05), ("司马", 0.02), ("上官", 0.02),
)  # fmt: skip
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁建国海峰志东文俊浩宇晨博然轩睿泽凯成林德亮龙振兴"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲红燕梅琳洁婷雪慧颖倩晶莉萍欣怡佳悦蕾雯璐彤琪晓丹媛琴云凤兰"
# Minorities, weighted; 95 % of persons are 汉族.
_MINORITIES: tuple[tuple[str, float], ...] = (
    ("回族", 1.1), ("满族", 1.0), ("蒙古族", 0.5), ("朝鲜族", 0.6), ("壮族", 0.2), ("土家族", 0.2),
)  # fmt: skip
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "157", "158", "159", "166", "170", "173", "176",
                    "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                    "191", "195", "198", "199")  # fmt: skip

_BRAND_CHARS = (
    "鑫盛华泰恒源宏达兴隆瑞丰嘉德金海利通信诚永安昌"
    "顺远航佳和祥益东方天润博创中汇聚新宇凯晟富康明辉亿腾"
)

# Industry -> (name part, business scope). The scope reads like a real 经营范围.
INDUSTRIES: dict[str, tuple[str, str]] = {
    "建材": ("建材", "一般项目：建筑材料销售；建筑装饰材料销售；五金产品批发；五金产品零售；"
            "水泥制品销售。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"),
    "建筑": ("建筑工程", "许可项目：建设工程施工；住宅室内装饰装修。一般项目：园林绿化工程施工；"
            "土石方工程施工；建筑材料销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "装饰": ("装饰工程", "许可项目：住宅室内装饰装修；建设工程施工。一般项目：家具安装和维修服务；"
            "建筑装饰材料销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "食品": ("食品", "许可项目：食品销售；食品生产。一般项目：食用农产品批发；食用农产品零售；"
            "农副产品销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "餐饮": ("餐饮管理", "许可项目：餐饮服务；食品销售。一般项目：餐饮管理；外卖递送服务。"
            "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "商贸": ("商贸", "一般项目：日用百货销售；针纺织品销售；五金产品零售；电子产品销售；"
            "办公用品销售；货物进出口。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"),
    "物流": ("物流", "许可项目：道路货物运输（不含危险货物）。一般项目：国内货物运输代理；"
            "普通货物仓储服务（不含危险化学品等需许可审批的项目）；装卸搬运。"),
    "机械": ("机械制造", "一般项目：通用设备制造（不含特种设备制造）；机械零件、零部件加工；"
            "机械设备销售；金属材料销售。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"),
    "科技": ("科技", "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
            "软件开发；信息系统集成服务；计算机软硬件及辅助设备零售。"),
    "地产": ("房地产开发", "许可项目：房地产开发经营。一般项目：物业管理；住房租赁；"
            "非居住房地产租赁。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "汽车": ("汽车销售服务", "一般项目：汽车新车销售；二手车经销；汽车零配件零售；"
            "机动车修理和维护；汽车装饰用品销售。"),
    "化工": ("化工", "许可项目：危险化学品经营。一般项目：化工产品销售（不含许可类化工产品）；"
            "专用化学产品销售（不含危险化学品）。"),
    "水产": ("水产", "许可项目：水产养殖；食品销售。一般项目：水产品批发；水产品零售；"
            "水产品收购；初级农产品收购。"),
    "果业": ("果业", "一般项目：水果种植；新鲜水果批发；新鲜水果零售；农副产品销售；"
            "农产品的生产、销售、加工、运输、贮藏及其他相关服务。"),
    "服装": ("服饰", "一般项目：服装制造；服装服饰批发；服装服饰零售；针纺织品及原料销售；"
            "鞋帽批发。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"),
    "酒业": ("葡萄酒", "许可项目：酒制品生产；酒类经营；食品销售。一般项目：货物进出口；"
            "技术进出口。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    "电子": ("电子", "一般项目：电子元器件制造；电子产品销售；电子专用材料研发；"
            "通讯设备销售；集成电路销售。"),
    "印刷": ("印刷", "许可项目：包装装潢印刷品印刷；文件、资料等其他印刷品印刷。"
            "一般项目：纸制品销售；广告设计、代理。"),
    "劳务": ("劳务服务", "一般项目：劳务服务（不含劳务派遣）；家政服务；物业管理；"
            "城市绿化管理；专业保洁、清洗、消毒服务。"),
}  # fmt: skip
_INDUSTRY_WEIGHTS: dict[str, float] = {
    "建材": 6, "建筑": 8, "装饰": 6, "食品": 7, "餐饮": 8, "商贸": 12, "物流": 6, "机械": 6,
    "科技": 9, "地产": 2, "汽车": 4, "化工": 2, "水产": 4, "果业": 4, "服装": 4, "酒业": 3,
    "电子": 4, "印刷": 2, "劳务": 3,
}  # fmt: skip


@dataclass(slots=True)
class PersonSeed:
    """One natural person, as household registration knows them, plus what they own elsewhere."""

    id_number: str
    name: str
    gender: str  # 男 / 女
    birth_date: date
    ethnicity: str
    region: str  # 6-digit county code of the household registration
    registered_address: str
    registration_status: str  # 正常 / 迁出 / 死亡
    issuing_authority: str  # 烟台市公安局芝罘分局
    phone: str
    employer: int | None = None  # index into World.enterprises
    properties: int = 0  # real-estate units owned (0..3)
    vehicles: int = 0  # motor vehicles owned (0..2)
    housing_fund: bool = False  # has a housing fund account (only persons with an employer)
    qualifications: int = 0  # professional qualifications (0..2)


@dataclass(slots=True)
class EnterpriseSeed:
    """One market-registered enterprise; persons and other enterprises are world indices.

    ``industry`` (a key of :data:`INDUSTRIES`) lets the agencies derive fitting licences.
    """

    uscc: str
    name: str
    enterprise_type: str
    region: str
    address: str
    legal_rep: int  # index into World.persons
    registered_capital: Decimal  # 万元
    established_on: date
    business_scope: str
    status: str  # 存续 / 在业 / 吊销 / 注销
    registration_authority: str
    phone: str
    # (holder kind PERSON / ENTERPRISE, world index, ratio (4 places, sum 1), subscribed 万元)
    shareholders: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)
    key_personnel: list[tuple[int, str]] = field(default_factory=list)  # (person index, position)
    properties: int = 0  # real-estate units owned (0..2)
    vehicles: int = 0  # motor vehicles owned (0..3)
    industry: str = "商贸"  # key of INDUSTRIES


@dataclass
class World:
    seed: int
    persons: list[PersonSeed]
    enterprises: list[EnterpriseSeed]


# --- helpers the agency generators share --------------------------------------------------


def age_on(birth: date, on: date = AS_OF) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_working_age(person: PersonSeed) -> bool:
    """18 up to the statutory retirement age (60 for men, 55 for women), and alive."""
    age = age_on(person.birth_date)
    return person.registration_status != "死亡" and 18 <= age < (
        60 if person.gender == "男" else 55
    )


def address_prefix(region: str) -> str:
    """山东省烟台市芝罘区 (municipalities are not repeated: 北京市朝阳区)."""
    province, city, county = REGIONS[region]
    return f"{city}{county}" if province == city else f"{province}{city}{county}"


def police_authority(region: str) -> str:
    """The ID card issuing authority: 烟台市公安局芝罘分局 / 龙口市公安局."""
    _, city, county = REGIONS[region]
    if county.endswith("市"):
        return f"{county}公安局"
    return f"{city}公安局{county[:-1]}分局"


def market_authority(region: str) -> str:
    """The registration authority: 烟台市芝罘区市场监督管理局 / 龙口市市场监督管理局."""
    _, city, county = REGIONS[region]
    if county.endswith("市"):
        return f"{county}市场监督管理局"
    return f"{city}{county}市场监督管理局"


def _cum(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    return list(weights), list(accumulate(weights.values()))


# --- building the world ----------------------------------------------------------------------

_BIRTH_FIRST = date(1950, 1, 1).toordinal()
_BIRTH_SPAN = date(2004, 12, 31).toordinal() - _BIRTH_FIRST + 1


_SURNAME_NAMES = [s for s, _ in _SURNAMES]
_SURNAME_CUM = list(accumulate(w for _, w in _SURNAMES))
_MINORITY_NAMES = [e for e, _ in _MINORITIES]
_MINORITY_CUM = list(accumulate(w for _, w in _MINORITIES))
_ADDRESS_PREFIXES = {code: address_prefix(code) for code in REGIONS}
_POLICE_AUTHORITIES = {code: police_authority(code) for code in REGIONS}


def _build_persons(rng: random.Random, n: int) -> list[PersonSeed]:
    """``n`` persons, registered across the regions by weight (one random stream, person by
    person, in the order of the fields)."""
    region_codes, region_cum = _cum(_PERSON_REGION_WEIGHTS)
    regions = rng.choices(region_codes, cum_weights=region_cum, k=n)
    next_seq: dict[tuple[str, int, bool], int] = {}
    return [_person(rng, region, next_seq) for region in regions]


def _person(
    rng: random.Random, region: str, next_seq: dict[tuple[str, int, bool], int]
) -> PersonSeed:
    """A person registered in ``region``; ``next_seq`` keeps ID numbers of one region, birth
    date and gender apart."""
    rnd = rng.random
    male = rnd() < 0.51
    ordinal = _BIRTH_FIRST + int(rnd() * _BIRTH_SPAN)
    birth = date.fromordinal(ordinal)
    key = (region, ordinal, male)
    seq = next_seq.get(key)
    if seq is None:
        seq = 1 + int(rnd() * 300)
    next_seq[key] = seq + 1
    id_number = make_id_number(region, birth, seq % 500, male=male)
    name = _person_name(rng, male)
    r = rnd()
    ethnicity = (
        "汉族" if r < 0.95 else _MINORITY_NAMES[bisect(_MINORITY_CUM, rnd() * _MINORITY_CUM[-1])]
    )
    r = rnd()
    status = "死亡" if r < 0.01 else "迁出" if r < 0.05 else "正常"
    address = _home_address(rng, region)
    phone = f"{rng.choice(_MOBILE_PREFIXES)}{int(rnd() * 100_000_000):08d}"
    properties, vehicles, qualifications = _person_holdings(rng, birth)
    return PersonSeed(
        id_number=id_number,
        name=name,
        gender="男" if male else "女",
        birth_date=birth,
        ethnicity=ethnicity,
        region=region,
        registered_address=address,
        registration_status=status,
        issuing_authority=_POLICE_AUTHORITIES[region],
        phone=phone,
        properties=properties,
        vehicles=vehicles,
        qualifications=qualifications,
    )


def _person_name(rng: random.Random, male: bool) -> str:
    """A surname by frequency and a given name of one or two characters."""
    choice = rng.choice
    surname = _SURNAME_NAMES[bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]
    chars = _MALE_CHARS if male else _FEMALE_CHARS
    given = choice(chars) + choice(chars) if rng.random() < 0.65 else choice(chars)
    return surname + given


def _home_address(rng: random.Random, region: str) -> str:
    """A flat in town, or (in a county-level city's towns, 30 %) a house in a village."""
    rnd = rng.random
    choice = rng.choice
    towns = _TOWNS.get(region)
    if towns is not None and rnd() < 0.3:
        return f"{_ADDRESS_PREFIXES[region]}{choice(towns)}{choice(_VILLAGES)}村{int(rnd() * 400) + 1}号"
    return (
        f"{_ADDRESS_PREFIXES[region]}{choice(STREETS[region])}{int(rnd() * 300) + 1}号"
        f"{int(rnd() * 12) + 1}号楼{int(rnd() * 3) + 1}单元"
        f"{int(rnd() * 18) + 1}0{int(rnd() * 4) + 1}室"
    )


def _person_holdings(rng: random.Random, birth: date) -> tuple[int, int, int]:
    """How many real-estate units, vehicles and qualifications a person has."""
    rnd = rng.random
    r = rnd()
    if birth.year >= 2000:
        properties = 1 if r < 0.15 else 0
    else:
        properties = 0 if r < 0.3 else 1 if r < 0.75 else 2 if r < 0.93 else 3
    r = rnd()
    vehicles = 0 if r < 0.45 else 1 if r < 0.9 else 2
    r = rnd()
    qualifications = 0 if r < 0.62 else 1 if r < 0.9 else 2
    return properties, vehicles, qualifications


def _distinct(rng: random.Random, pool: list[int], k: int, exclude: tuple[int, ...]) -> list[int]:
    """``k`` distinct members of ``pool`` not in ``exclude`` (fewer if the pool is too small)."""
    out: list[int] = []
    limit = len(pool)
    tries = 0
    while len(out) < k and tries < 50:
        tries += 1
        candidate = pool[int(rng.random() * limit)]
        if candidate not in out and candidate not in exclude:
            out.append(candidate)
    return out


def _split_basis_points(rng: random.Random, k: int) -> list[int]:
    """``k`` shares in basis points (whole percent) that sum to exactly 10,000, largest first."""
    if k == 1:
        return [10_000]
    cuts = sorted(rng.sample(range(1, 100), k - 1))
    bounds = [0, *cuts, 100]
    return sorted(((bounds[i + 1] - bounds[i]) * 100 for i in range(k)), reverse=True)


_CAPITALS = (10, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000)
_CAPITAL_CUM = list(accumulate((6, 6, 12, 20, 12, 10, 12, 4, 9, 4, 2, 2, 1)))
_FIRST_ESTABLISHED = date(1995, 1, 1).toordinal()
_LAST_ESTABLISHED = date(2025, 12, 31).toordinal()


def _enterprise_type(kinds: list[str], joint_stock: bool) -> str:
    if joint_stock:
        return "股份有限公司（非上市、自然人投资或控股）"
    if kinds == ["PERSON"]:
        return "有限责任公司（自然人独资）"
    if kinds == ["ENTERPRISE"]:
        return "有限责任公司（非自然人投资或控股的法人独资）"
    if "ENTERPRISE" in kinds:
        return "其他有限责任公司"
    return "有限责任公司（自然人投资或控股）"


@dataclass
class _EnterpriseDraw:
    """What drawing the enterprises shares: the world's persons, who may be an officer (living
    adults of 25-70, or anyone if the world is tiny), the names already taken."""

    rng: random.Random
    count: int
    persons: list[PersonSeed]
    officers: list[int]
    used_names: set[str] = field(default_factory=set)


def _build_enterprises(
    rng: random.Random, m: int, persons: list[PersonSeed]
) -> list[EnterpriseSeed]:
    """``m`` enterprises (one random stream, enterprise by enterprise, in the order of the
    fields)."""
    officers = [
        i
        for i, p in enumerate(persons)
        if p.registration_status != "死亡" and 25 <= age_on(p.birth_date) <= 70
    ] or list(range(len(persons)))
    draw = _EnterpriseDraw(rng, m, persons, officers)
    serials = rng.sample(range(10_000_000, 100_000_000), m)
    return [_enterprise(draw, i, serials[i]) for i in range(m)]


_ENTERPRISE_REGIONS = _cum(_ENTERPRISE_REGION_WEIGHTS)
_INDUSTRIES = _cum(_INDUSTRY_WEIGHTS)


def _enterprise(draw: _EnterpriseDraw, i: int, serial: int) -> EnterpriseSeed:
    """Enterprise ``i``, with its shareholders, key personnel and holdings."""
    rng = draw.rng
    rnd = rng.random
    region_codes, region_cum = _ENTERPRISE_REGIONS
    region = region_codes[bisect(region_cum, rnd() * region_cum[-1])]
    city = REGIONS[region][1]
    industry_codes, industry_cum = _INDUSTRIES
    industry = industry_codes[bisect(industry_cum, rnd() * industry_cum[-1])]
    joint_stock = rnd() < 0.06
    name = _enterprise_name(draw, i, region, industry, joint_stock)
    capital = _CAPITALS[bisect(_CAPITAL_CUM, rnd() * _CAPITAL_CUM[-1])]
    if joint_stock:
        capital = max(capital, 500)
    r = rnd()
    status = "存续" if r < 0.6 else "在业" if r < 0.9 else "吊销" if r < 0.95 else "注销"
    legal_rep = draw.officers[int(rnd() * len(draw.officers))]
    shareholders = _shareholders(draw, i, legal_rep, joint_stock, capital)
    personnel = _key_personnel(draw, legal_rep, joint_stock)
    # Founded once every founding person was an adult (22 or older).
    founders = [legal_rep, *(idx for kind, idx, _, _ in shareholders if kind == "PERSON")]
    youngest = max(draw.persons[p].birth_date for p in founders)
    first = max(_FIRST_ESTABLISHED, youngest.toordinal() + 22 * 366)
    established = date.fromordinal(first + int(rnd() * max(1, _LAST_ESTABLISHED - first)))
    r = rnd()
    properties = 0 if r < 0.55 else 1 if r < 0.85 else 2
    r = rnd()
    vehicles = 0 if r < 0.4 else 1 if r < 0.7 else 2 if r < 0.88 else 3
    area_code = CITIES[city][2]
    local = 8 if len(area_code) == 3 else 7
    phone = f"{area_code}-{int(2 + rnd() * 7)}{int(rnd() * 10 ** (local - 1)):0{local - 1}d}"
    kinds = [kind for kind, _, _, _ in shareholders]
    return EnterpriseSeed(
        uscc=make_uscc(region, serial),
        name=name,
        enterprise_type=_enterprise_type(kinds, joint_stock),
        region=region,
        address=_business_address(rng, region),
        legal_rep=legal_rep,
        registered_capital=Decimal(capital).quantize(Decimal("0.01")),
        established_on=established,
        business_scope=INDUSTRIES[industry][1],
        status=status,
        registration_authority=market_authority(region),
        phone=phone,
        shareholders=shareholders,
        key_personnel=personnel,
        properties=properties,
        vehicles=vehicles,
        industry=industry,
    )


def _enterprise_name(
    draw: _EnterpriseDraw, i: int, region: str, industry: str, joint_stock: bool
) -> str:
    """烟台鑫盛建材有限公司: place, a two-character brand, the industry; unique in the world."""
    rng = draw.rng
    choice = rng.choice
    _, city, county = REGIONS[region]
    suffix = "股份有限公司" if joint_stock else "有限公司"
    city_short = city[:-1]
    brand = ""
    name = ""
    for attempt in range(40):
        brand = choice(_BRAND_CHARS) + choice(_BRAND_CHARS)
        if brand[0] == brand[1]:
            continue
        if attempt < 20 and rng.random() < 0.8:
            place = city_short
        else:
            place = county if county.endswith("市") else f"{city}{county}"
        name = f"{place}{brand}{INDUSTRIES[industry][0]}{suffix}"
        if name not in draw.used_names:
            break
    else:
        name = f"{city}{county}{brand}{INDUSTRIES[industry][0]}{i + 1}{suffix}"
    draw.used_names.add(name)
    return name


def _shareholders(
    draw: _EnterpriseDraw, i: int, legal_rep: int, joint_stock: bool, capital: int
) -> list[tuple[str, int, Decimal, Decimal]]:
    """1-4 holders (2 or more of a joint-stock company), the legal representative usually the
    largest, sometimes another enterprise (never itself); shares of the capital that add up."""
    rng = draw.rng
    rnd = rng.random
    m = draw.count
    r = rnd()
    holders_n = 1 if r < 0.35 else 2 if r < 0.7 else 3 if r < 0.9 else 4
    if joint_stock:
        holders_n = max(holders_n, 2)
    others = _distinct(rng, draw.officers, holders_n, (legal_rep,))
    person_holders = [legal_rep, *others][:holders_n] if rnd() < 0.85 else others
    holders: list[tuple[str, int]] = [("PERSON", p) for p in person_holders]
    if m > 1 and rnd() < 0.15:
        other = int(rnd() * (m - 1))
        other += other >= i  # never itself
        if holders and len(holders) >= holders_n:
            holders[-1] = ("ENTERPRISE", other)
        else:
            holders.append(("ENTERPRISE", other))
    if not holders:
        holders = [("PERSON", legal_rep)]
    shares = _split_basis_points(rng, len(holders))
    cap_cents = capital * 100
    subscribed = [cap_cents * bp // 10_000 for bp in shares]
    subscribed[-1] = cap_cents - sum(subscribed[:-1])
    return [
        (kind, idx, Decimal(bp).scaleb(-4), Decimal(cents).scaleb(-2))
        for (kind, idx), bp, cents in zip(holders, shares, subscribed, strict=True)
    ]


def _key_personnel(
    draw: _EnterpriseDraw, legal_rep: int, joint_stock: bool
) -> list[tuple[int, str]]:
    """主要人员: the legal representative first, then directors, a supervisor, a manager."""
    rng = draw.rng
    staff = _distinct(rng, draw.officers, 4, (legal_rep,))
    personnel: list[tuple[int, str]]
    if joint_stock:
        personnel = [(legal_rep, "董事长")]
        personnel += [(p, "董事") for p in staff[:2]]
        personnel += [(p, pos) for p, pos in zip(staff[2:], ("监事", "总经理"), strict=False)]
    elif rng.random() < 0.6:
        personnel = [(legal_rep, "执行董事兼总经理")]
        personnel += [(p, "监事") for p in staff[:1]]
        if rng.random() < 0.4:
            personnel += [(p, "财务负责人") for p in staff[1:2]]
    else:
        personnel = [(legal_rep, "执行董事")]
        personnel += [(p, pos) for p, pos in zip(staff[:2], ("经理", "监事"), strict=False)]
        if rng.random() < 0.3:
            personnel += [(p, "财务负责人") for p in staff[2:3]]
    return personnel


def _business_address(rng: random.Random, region: str) -> str:
    """A street address, half of them with a building and room."""
    rnd = rng.random
    return f"{address_prefix(region)}{rng.choice(STREETS[region])}{int(rnd() * 300) + 1}号" + (
        f"{int(rnd() * 20) + 1}号楼{int(rnd() * 20) + 1}0{int(rnd() * 9) + 1}室"
        if rnd() < 0.5
        else ""
    )


def _city_of(enterprise: EnterpriseSeed) -> str:
    return REGIONS[enterprise.region][1]


def _assign_employment(
    rng: random.Random, persons: list[PersonSeed], enterprises: list[EnterpriseSeed]
) -> None:
    rnd = rng.random
    active = [i for i, e in enumerate(enterprises) if e.status in ("存续", "在业")]
    if not active:
        return
    # Enterprise sizes are heavy-tailed: a few large employers, many small ones. Most people
    # work in the city they are registered in.
    sizes = [min(rng.paretovariate(1.1), 200.0) for _ in active]
    everywhere = (active, list(accumulate(sizes)))
    by_city: dict[str, tuple[list[int], list[float]]] = {}
    for city in CITIES:
        local = [
            (i, w) for i, w in zip(active, sizes, strict=True) if _city_of(enterprises[i]) == city
        ]
        if local:
            by_city[city] = ([i for i, _ in local], list(accumulate(w for _, w in local)))
    for p in persons:
        if is_working_age(p) and rnd() < 0.75:
            pool, cum = everywhere
            if rnd() < 0.85:
                pool, cum = by_city.get(REGIONS[p.region][1], everywhere)
            p.employer = pool[bisect(cum, rnd() * cum[-1])]
            p.housing_fund = rnd() < 0.65
    # A working-age legal representative without a job works at (one of) their enterprise(s).
    for i in active:
        rep = persons[enterprises[i].legal_rep]
        if rep.employer is None and is_working_age(rep):
            rep.employer = i
            rep.housing_fund = rnd() < 0.65


def build_world(seed: int, persons: int, enterprises: int | None = None) -> World:
    """The synthetic population for ``seed``: same seed and sizes give an identical world."""
    if persons < 1:
        raise ValueError("a world needs at least one person")
    rng = random.Random(seed)
    m = max(5, persons // 10) if enterprises is None else enterprises
    person_seeds = _build_persons(rng, persons)
    enterprise_seeds = _build_enterprises(rng, m, person_seeds)
    _assign_employment(rng, person_seeds, enterprise_seeds)
    return World(seed=seed, persons=person_seeds, enterprises=enterprise_seeds)
