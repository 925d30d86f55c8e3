"""Synthetic market-supervision data: registrations, shareholders, personnel, licences and lists."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.base.annotations import settle, term_end
from connectors.base.world import (
    AS_OF,
    CITIES,
    COURTS,
    REGION_SHORT,
    REGIONS,
    EnterpriseSeed,
    World,
)
from connectors.market_supervision.source import TERM_YEARS

__all__ = ["generate"]

_LAST_DAY = AS_OF.toordinal()


def _local(region: str, office: str) -> str:
    """A county-level office: 烟台市芝罘区交通运输局 / 龙口市交通运输局."""
    _, city, county = REGIONS[region]
    return f"{county}{office}" if county.endswith("市") else f"{city}{county}{office}"


def _city(region: str, office: str) -> str:
    return f"{REGIONS[region][1]}{office}"


def _province(region: str, office: str, municipal: str | None = None) -> str:
    province, city, _ = REGIONS[region]
    return f"{province}{municipal or office}" if province == city else f"{province}{office}"


# Licence name -> (number format, issuing authority). Formats take (region, seq, year, abbr, uscc).
_Fmt = Callable[[str, int, int, str, str], str]
_LICENCES: dict[str, tuple[_Fmt, Callable[[str], str]]] = {
    "食品经营许可证": (
        lambda r, n, y, a, u: f"JY1{r}{n:07d}",
        lambda r: _local(r, "市场监督管理局"),
    ),
    "食品生产许可证": (
        lambda r, n, y, a, u: f"SC1{n % 100:02d}{r}{n:05d}",
        lambda r: _city(r, "市场监督管理局"),
    ),
    "建筑业企业资质证书": (
        lambda r, n, y, a, u: f"D3{r[:4]}{n:06d}",
        lambda r: _province(r, "住房和城乡建设厅", "住房和城乡建设委员会"),
    ),
    "安全生产许可证": (
        lambda r, n, y, a, u: f"（{a}）JZ安许证字〔{y}〕{r}{n:05d}",
        lambda r: _province(r, "住房和城乡建设厅", "住房和城乡建设委员会"),
    ),
    "道路运输经营许可证": (
        lambda r, n, y, a, u: f"{a}交运管许可字{r}{n:06d}号",
        lambda r: _local(r, "交通运输局"),
    ),
    "危险化学品经营许可证": (
        lambda r, n, y, a, u: f"{a}危化经字〔{y}〕{r}{n:05d}",
        lambda r: _city(r, "应急管理局"),
    ),
    "房地产开发企业资质证书": (
        lambda r, n, y, a, u: f"{a}房开资字{r}{n:05d}号",
        lambda r: _city(r, "住房和城乡建设局"),
    ),
    "印刷经营许可证": (
        lambda r, n, y, a, u: f"（{a}）印证字{r}{n:06d}号",
        lambda r: _province(r, "新闻出版局"),
    ),
    "人力资源服务许可证": (
        lambda r, n, y, a, u: f"{r}{y}{n:06d}",
        lambda r: _local(r, "人力资源和社会保障局"),
    ),
    "增值电信业务经营许可证": (
        lambda r, n, y, a, u: f"{a}B2-{y}{n:05d}",
        lambda r: _province(r, "通信管理局"),
    ),
    "排污许可证": (
        lambda r, n, y, a, u: f"{u}001V",
        lambda r: _city(r, "生态环境局"),
    ),
    "酒类经营许可证": (
        lambda r, n, y, a, u: f"{a}酒经字{r}{n:06d}号",
        lambda r: _local(r, "商务局"),
    ),
}
# Which licences an enterprise of each industry may hold.
_LICENCES_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    "建材": ("排污许可证", "道路运输经营许可证"),
    "建筑": ("建筑业企业资质证书", "安全生产许可证", "道路运输经营许可证"),
    "装饰": ("建筑业企业资质证书", "安全生产许可证"),
    "食品": ("食品经营许可证", "食品生产许可证", "排污许可证"),
    "餐饮": ("食品经营许可证", "酒类经营许可证"),
    "商贸": ("食品经营许可证", "酒类经营许可证", "道路运输经营许可证"),
    "物流": ("道路运输经营许可证", "危险化学品经营许可证"),
    "机械": ("排污许可证", "安全生产许可证"),
    "科技": ("增值电信业务经营许可证", "人力资源服务许可证"),
    "地产": ("房地产开发企业资质证书", "建筑业企业资质证书"),
    "汽车": ("道路运输经营许可证", "排污许可证"),
    "化工": ("危险化学品经营许可证", "安全生产许可证", "排污许可证"),
    "水产": ("食品生产许可证", "食品经营许可证", "排污许可证"),
    "果业": ("食品经营许可证", "食品生产许可证"),
    "服装": ("排污许可证",),
    "酒业": ("食品生产许可证", "食品经营许可证", "酒类经营许可证"),
    "电子": ("排污许可证", "增值电信业务经营许可证"),
    "印刷": ("印刷经营许可证", "排污许可证"),
    "劳务": ("人力资源服务许可证", "食品经营许可证"),
}

# (violation, penalty wording, low, high fine in CNY, confiscation?)
_VIOLATIONS: tuple[tuple[str, int, int, bool], ...] = (
    ("销售不符合食品安全标准的食品", 5_000, 100_000, True),
    ("经营超过保质期的食品", 2_000, 50_000, True),
    ("未经许可从事食品经营活动", 10_000, 100_000, True),
    ("发布虚假广告，对商品的性能、功能作虚假或者引人误解的宣传", 20_000, 200_000, False),
    ("销售侵犯注册商标专用权的商品", 5_000, 150_000, True),
    ("使用未经检定的计量器具", 1_000, 10_000, False),
    ("在产品中掺杂、掺假，以次充好", 10_000, 200_000, True),
    ("未按规定明码标价", 1_000, 5_000, False),
    ("使用未经定期检验的特种设备", 30_000, 300_000, False),
    ("价格欺诈，利用虚假的或者使人误解的价格手段诱骗消费者交易", 5_000, 50_000, True),
)
_ABNORMAL_REASONS: tuple[tuple[str, str], ...] = (
    (
        "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
        "依照《企业经营异常名录管理暂行办法》第十一条规定，补报未报年份的年度报告并公示，申请移出",
    ),
    (
        "公示企业信息隐瞒真实情况、弄虚作假",
        "依照《企业经营异常名录管理暂行办法》第十二条规定，更正其公示的信息，申请移出",
    ),
    (
        "通过登记的住所或者经营场所无法联系",
        "依照《企业经营异常名录管理暂行办法》第十三条规定，依法办理住所变更登记，申请移出",
    ),
    (
        "未在责令的期限内公示有关企业信息",
        "依照《企业经营异常名录管理暂行办法》第十二条规定，履行公示义务，申请移出",
    ),
)
_ABNORMAL_CUM = (70, 78, 95, 100)
_SERIOUS_REASONS = (
    "被列入经营异常名录届满3年仍未履行相关义务",
    "提交虚假材料或者采取其他欺诈手段隐瞒重要事实，取得公司登记，被撤销登记",
    "因食品安全领域严重违法行为受到较重行政处罚",
    "拒不履行行政处罚决定，情节严重",
)


def _day_between(rng: random.Random, first: int, last: int = _LAST_DAY) -> date:
    return date.fromordinal(first + int(rng.random() * max(1, last - first)))


def _cny(value: int) -> Decimal:
    return Decimal(value * 100).scaleb(-2)


_YEAR_2016 = date(2016, 1, 1).toordinal()
_YEAR_2019 = date(2019, 1, 1).toordinal()


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of every market-supervision table for ``world``.

    One random stream, drawn enterprise by enterprise: each table's function makes one
    enterprise's rows (its registration, shareholders, key personnel, licences, penalties and
    list entries), in that order."""
    rng = random.Random(f"{world.seed}:market_supervision")
    licence_seq: dict[str, int] = {name: int(rng.random() * 5000) for name in _LICENCES}
    decision_seq: dict[tuple[str, int], int] = {}
    tables: dict[str, list[dict[str, Any]]] = {
        "enterprises": [],
        "shareholders": [],
        "key_personnel": [],
        "licences": [],
        "penalties": [],
        "abnormal_operations": [],
        "serious_violations": [],
    }
    for e in world.enterprises:
        tables["enterprises"].append(_registration(world, e))
        tables["shareholders"] += _shareholders(rng, world, e)
        tables["key_personnel"] += _key_personnel(world, e)
        tables["licences"] += _licences(rng, e, licence_seq)
        tables["penalties"] += _penalties(rng, e, decision_seq)
        abnormal = _abnormal_operations(rng, e)
        tables["abnormal_operations"] += abnormal
        listed_abnormal = abnormal[0]["listed_on"] if abnormal else None
        tables["serious_violations"] += _serious_violations(rng, e, listed_abnormal)
    # The register of courts' freezes draws from a stream of its own: the other tables stay.
    freezes = random.Random(f"{world.seed}:market_supervision:freezes")
    tables["equity_freezes"] = _freezes(freezes, tables["shareholders"])
    return tables


_FREEZES_FROM = date(2023, 1, 1).toordinal()


def _freezes(rng: random.Random, stakes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A court's freeze (股权冻结) on 3 % of the stakes since 2023, served before the hub (no
    order id); the register as of :data:`AS_OF`: a freeze whose three years (民诉法解释
    第四百八十五条) ended has lapsed. A stake is FROZEN while a freeze on it is in effect."""
    out: list[dict[str, Any]] = []
    for stake in stakes:
        if not rng.random() < 0.03:
            continue
        since = max(stake["subscribed_on"].toordinal(), _FREEZES_FROM)
        start = date.fromordinal(since + int(rng.random() * max(1, _LAST_DAY - since)))
        _, abbr, court = COURTS[0] if rng.random() < 0.7 else rng.choice(COURTS[1:])
        case = f"（{start.year}）{abbr}执{1 + int(rng.random() * 3000)}号"
        row = {
            "order_id": None,
            "stake_id": stake["stake_id"],
            "court": court,
            "case_number": case,
            "document_number": f"{case}之一",
            "kind": "FREEZE",
            "rank": 1,
            "start_date": start,
            "end_date": term_end(start, months=12 * TERM_YEARS),
            "status": "EFFECTIVE",
        }
        settle([row], today=AS_OF, years=TERM_YEARS)
        del row["order_id"]
        if row["status"] == "EFFECTIVE":
            stake["freeze_status"] = "FROZEN"
        out.append(row)
    return out


def _registration(world: World, e: EnterpriseSeed) -> dict[str, Any]:
    rep = world.persons[e.legal_rep]
    return {
        "uscc": e.uscc,
        "name": e.name,
        "enterprise_type": e.enterprise_type,
        "legal_representative_id": rep.id_number,
        "legal_representative_name": rep.name,
        "registered_capital": e.registered_capital,
        "established_on": e.established_on,
        "address": e.address,
        "business_scope": e.business_scope,
        "status": e.status,
        "registration_authority": e.registration_authority,
        "phone": e.phone,
    }


def _shareholders(rng: random.Random, world: World, e: EnterpriseSeed) -> list[dict[str, Any]]:
    """The world's shareholders of ``e``, each subscribed at founding or later."""
    founded = e.established_on.toordinal()
    out = []
    for n, (kind, index, ratio, subscribed) in enumerate(e.shareholders, start=1):
        if kind == "ENTERPRISE":  # a corporate holder subscribes once it exists itself
            corporate = world.enterprises[index]
            holder_id, holder_name = corporate.uscc, corporate.name
            since = max(founded, corporate.established_on.toordinal() + 30)
            subscribed_on = _day_between(rng, since)
        else:
            person = world.persons[index]
            holder_id, holder_name = person.id_number, person.name
            subscribed_on = e.established_on if rng.random() < 0.8 else _day_between(rng, founded)
        out.append(
            {
                "stake_id": f"{e.uscc}-{n:02d}",
                "uscc": e.uscc,
                "holder_kind": kind,
                "holder_id": holder_id,
                "holder_name": holder_name,
                "subscribed_capital": subscribed,
                "ratio": ratio,
                "subscribed_on": subscribed_on,
                "freeze_status": "NORMAL",
            }
        )
    return out


def _key_personnel(world: World, e: EnterpriseSeed) -> list[dict[str, Any]]:
    return [
        {
            "uscc": e.uscc,
            "id_number": world.persons[index].id_number,
            "name": world.persons[index].name,
            "position": position,
        }
        for index, position in e.key_personnel
    ]


def _penalties(
    rng: random.Random, e: EnterpriseSeed, decision_seq: dict[tuple[str, int], int]
) -> list[dict[str, Any]]:
    """None, one or two penalty decisions (more often for a closed enterprise), since 2019;
    decision numbers run per county and year."""
    rnd = rng.random
    closed = e.status in ("吊销", "注销")
    if not rnd() < (0.25 if closed else 0.09):
        return []
    founded = e.established_on.toordinal()
    out = []
    for _ in range(1 if rnd() < 0.8 else 2):
        decided = _day_between(rng, max(founded, _YEAR_2019))
        key = (e.region, decided.year)
        seq = decision_seq.get(key, int(rnd() * 150)) + 1 + int(rnd() * 3)
        decision_seq[key] = seq
        short = REGION_SHORT[e.region]
        violation, low, high, confiscate = _VIOLATIONS[int(rnd() * len(_VIOLATIONS))]
        fine = (low + int(rnd() * (high - low) / 500) * 500) // 100 * 100
        if confiscate:
            gains = 500 + int(rnd() * 40) * 250
            penalty = f"没收违法所得人民币{gains}元，并处罚款人民币{fine}元"
        else:
            penalty = f"警告，并处罚款人民币{fine}元"
        out.append(
            {
                "decision_number": f"{short}市监处罚〔{decided.year}〕{seq}号",
                "uscc": e.uscc,
                "violation": violation,
                "penalty": penalty,
                "amount": _cny(fine),
                "decided_on": decided,
                "authority": e.registration_authority,
            }
        )
    return out


def _abnormal_operations(rng: random.Random, e: EnterpriseSeed) -> list[dict[str, Any]]:
    """An entry on the abnormal-operations list for some enterprises (a third of the revoked),
    since 2016; some of the live ones have been removed again."""
    rnd = rng.random
    if not rnd() < (0.3 if e.status == "吊销" else 0.065):
        return []
    closed = e.status in ("吊销", "注销")
    r = rnd() * _ABNORMAL_CUM[-1]
    reason, removal = _ABNORMAL_REASONS[next(i for i, c in enumerate(_ABNORMAL_CUM) if r < c)]
    listed = _day_between(rng, max(e.established_on.toordinal() + 365, _YEAR_2016))
    removed = not closed and rnd() < 0.45
    removed_on = _day_between(rng, listed.toordinal() + 30) if removed else None
    return [
        {
            "uscc": e.uscc,
            "reason": reason,
            "listed_on": listed,
            "authority": e.registration_authority,
            "removed_on": removed_on,
            "removal_reason": removal if removed else None,
        }
    ]


def _serious_violations(
    rng: random.Random, e: EnterpriseSeed, listed_abnormal: date | None
) -> list[dict[str, Any]]:
    """An entry on the serious-violation list for a few enterprises: three years on the
    abnormal-operations list (``listed_abnormal``) or another ground."""
    rnd = rng.random
    if not rnd() < (0.12 if e.status in ("吊销", "注销") else 0.012):
        return []
    if listed_abnormal is not None and listed_abnormal.toordinal() + 3 * 365 < _LAST_DAY:
        reason = _SERIOUS_REASONS[0]
        listed = date.fromordinal(listed_abnormal.toordinal() + 3 * 365 + 1)
    else:
        reason = _SERIOUS_REASONS[1 + int(rnd() * (len(_SERIOUS_REASONS) - 1))]
        listed = _day_between(rng, max(e.established_on.toordinal() + 180, _YEAR_2016))
    return [
        {
            "uscc": e.uscc,
            "reason": reason,
            "listed_on": listed,
            "authority": _city(e.region, "市场监督管理局"),
            "removed_on": (_day_between(rng, listed.toordinal() + 365) if rnd() < 0.1 else None),
        }
    ]


def _licences(rng: random.Random, e: EnterpriseSeed, seq: dict[str, int]) -> list[dict[str, Any]]:
    """0-3 licences that fit the enterprise's industry, each with a unique number."""
    rnd = rng.random
    options = _LICENCES_BY_INDUSTRY[e.industry]
    r = rnd()
    count = min(len(options), 0 if r < 0.3 else 1 if r < 0.7 else 2 if r < 0.9 else 3)
    out: list[dict[str, Any]] = []
    if not count:
        return out
    abbr = CITIES[REGIONS[e.region][1]][0]
    founded = e.established_on.toordinal()
    closed = e.status in ("吊销", "注销")
    for name in rng.sample(options, count):
        fmt, authority = _LICENCES[name]
        n = seq[name] = seq[name] + 1
        # Most licences were issued or renewed within the last five years.
        valid_from = _day_between(rng, max(founded, _LAST_DAY - int(365.25 * 6)))
        try:
            valid_to = valid_from.replace(year=valid_from.year + 5) - timedelta(days=1)
        except ValueError:  # 29 February
            valid_to = date(valid_from.year + 5, 2, 28)
        status = "注销" if closed else "过期" if valid_to < AS_OF else "有效"
        out.append(
            {
                "licence_number": fmt(e.region, n, valid_from.year, abbr, e.uscc),
                "uscc": e.uscc,
                "name": name,
                "issuing_authority": authority(e.region),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "status": status,
            }
        )
    return out
