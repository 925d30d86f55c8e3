"""The tax rules the synthetic register follows, checked from the instruments' own words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.base.world import AS_OF, build_world
from connectors.tax.rules import filing_deadline, late_fee, service_withholding, wage_withholding
from connectors.tax.synth import generate


def test_a_month_is_filed_within_fifteen_days_after_it_ends() -> None:
    # 增值税暂行条例 第二十三条: 以1个月为1个纳税期的，自期满之日起15日内申报纳税
    # given / when / then
    assert filing_deadline("2026-03") == date(2026, 4, 15)
    assert filing_deadline("2025-12") == date(2026, 1, 15)


def test_late_fee_is_five_in_ten_thousand_a_day_from_the_day_after_the_deadline() -> None:
    # 税收征收管理法 第三十二条: 从滞纳税款之日起，按日加收滞纳税款万分之五的滞纳金
    # given 10,000 yuan unpaid after 15 April
    due = date(2026, 4, 15)
    # then nothing on the deadline itself, 5 yuan for one day late, 500 yuan for 100 days
    assert late_fee(Decimal("10000.00"), due, due) == Decimal("0.00")
    assert late_fee(Decimal("10000.00"), due, date(2026, 4, 16)) == Decimal("5.00")
    assert late_fee(Decimal("10000.00"), due, date(2026, 7, 24)) == Decimal("500.00")


def test_wages_are_withheld_by_the_cumulative_method() -> None:
    # 国家税务总局公告2018年第61号: 累计预扣预缴应纳税所得额 = 累计收入 - 累计减除费用(5,000 元/月)
    # - 累计专项扣除; 本期应预扣预缴税额 = (累计应纳税所得额 × 预扣率 - 速算扣除数) - 累计已预扣预缴税额
    # given 20,000 a month with 2,000 of insurance deducted: 13,000 taxable a month
    wages = [Decimal(20000)] * 4
    deductions = [Decimal(2000)] * 4
    # when
    withheld = wage_withholding(wages, deductions)
    # then month 1 and 2: 3 % (cumulative 13,000, 26,000); month 3: 39,000 is in the 10 % bracket
    # (quick deduction 2,520): 3,900 - 2,520 - 780 = 600; month 4: 52,000 × 10 % - 2,520 - 1,380
    assert withheld == [
        Decimal("390.00"),
        Decimal("390.00"),
        Decimal("600.00"),
        Decimal("1300.00"),
    ]


def test_wages_under_the_allowance_are_not_taxed() -> None:
    # 个人所得税法 第六条: 减除费用六万元 (5,000 a month)
    assert wage_withholding([Decimal(5000)] * 3, [Decimal(0)] * 3) == [Decimal(0)] * 3


def test_labour_service_pay_is_withheld_by_table_two() -> None:
    # 公告2018年第61号 第八条: 每次收入不超过四千元的，减除费用按八百元计算；四千元以上的，减除费用按
    # 百分之二十计算; 预扣率表二: 不超过20,000 元 20 %; 20,000-50,000 元 30 %, 速算扣除数 2,000
    assert service_withholding(Decimal(3000)) == Decimal("440.00")  # (3,000 - 800) × 20 %
    assert service_withholding(Decimal(10000)) == Decimal("1600.00")  # 8,000 × 20 %
    assert service_withholding(Decimal(40000)) == Decimal("7600.00")  # 32,000 × 30 % - 2,000


def test_the_register_follows_the_rules() -> None:
    # given the synthetic register of a small world
    world = build_world(11, 400)
    data = generate(world)
    filings = {(f["taxpayer_id"], f["period"]): f for f in data["tax_filings"]}
    # then every arrears entry is the unpaid part of a filed month, its deadline that month's,
    # its late fee counted to the as-of day
    assert data["tax_arrears"], "the sample has no arrears"
    for a in data["tax_arrears"]:
        filing = filings[(a["taxpayer_id"], a["period"])]
        assert filing["filed_on"] is not None
        assert a["amount"] == filing["tax_payable"] - filing["tax_paid"] > 0
        assert a["due_on"] == filing_deadline(a["period"])
        days = (AS_OF - a["due_on"]).days
        assert abs(a["late_fee"] - a["amount"] * Decimal("0.0005") * days) <= Decimal("0.005")
    # and a refund is due (待退库) only to a taxpayer with no arrears (实施细则 第七十九条: 先抵扣欠缴税款)
    owing = {a["taxpayer_id"] for a in data["tax_arrears"]}
    assert all(r["taxpayer_id"] not in owing for r in data["tax_refunds"] if r["status"] == "待退库")
    # and every enterprise of the world is registered, individual businesses by their operator
    registered = {r["taxpayer_id"]: r for r in data["tax_registrations"]}
    assert all(e.uscc in registered for e in world.enterprises)
    persons = {p.id_number for p in world.persons}
    for r in registered.values():
        assert (r["taxpayer_kind"] == "个体工商户") == (r["operator_id"] is not None)
        assert r["operator_id"] is None or (r["operator_id"] in persons and r["taxpayer_id"][:2] == "92")
    # and wages are withheld by each person's employer of the shared world
    employers = {p.id_number: world.enterprises[p.employer].uscc for p in world.persons if p.employer is not None}
    for w in data["income_tax_withholdings"]:
        if w["income_kind"] == "工资薪金":
            assert employers[w["id_number"]] == w["withholder_uscc"]
