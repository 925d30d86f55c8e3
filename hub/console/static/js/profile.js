// 个人全息视图 / 企业全息视图: a profile laid out in sections. A refused field or section shows
// "无权限查看", a masked value shows as masked, an agency that did not answer says so.

import { describe, errorsByPath } from "./api.js";
import { agencyName, courtName, label } from "./labels.js";
import { badge, fmtAmount, fmtMoney, h, statusBadge } from "./ui.js";

const fmtWan = (x) => `${Number(x).toLocaleString("zh-CN")} 万元`;

const WAITING = "waitingLine { orderId kind court courtCode caseNumber rank status effectiveFrom expiresOn outsideHub }";

// Deposits: one entry per bank, every bank asked at once; a bank that did not answer in time
// says so in its own entry.
const DEPOSITS = `deposits { bank bankName answer
        accounts { accountNumber kind currency balance frozenAmount availableBalance maturesOn branch status
          freezes { court caseNumber documentNumber amount rank status startDate endDate } } }`;

// Water, electricity and gas accounts with their monthly readings.
const UTILITY_ACCOUNTS = `accounts { accountNumber provider kind address holderName status arrears
        usage { period consumption amountDue amountPaid } }`;

// What a person's profile shows: the fields of the look-up, and of a legal representative
// reached through an enterprise (REPRESENTATIVE_QUERY).
const PERSON_FIELDS = `
    idNumber
    identity { idNumber name gender birthDate ethnicity registeredAddress registrationStatus issuingAuthority phone }
    assets {
      realEstates { unitNumber certificateNumber address usage area ownershipKind registeredOn
        owners { ownerKind ownerId ownerName share }
        mortgages { mortgagee securedAmount termStart termEnd }
        seizures { court caseNumber documentNumber rank status startDate endDate }
        ${WAITING} }
      vehicles { plate vin brand model vehicleType colour registeredOn status ${WAITING} }
      equities { stakeId uscc enterpriseName ratio subscribedCapital subscribedOn freezeStatus ${WAITING} }
      ${DEPOSITS}
    }
    insurance {
      records { kind employerUscc employerName contributionBase monthsPaid lastPaidMonth status }
      housingFund { accountNumber employerUscc employerName balance monthlyDeposit openedOn status }
    }
    tax {
      incomeTax { period withholderUscc withholderName incomeKind income taxWithheld }
      businesses { taxpayerId name taxpayerKind authority registeredOn status }
    }
    utilities {
      livesAtRegisteredAddress
      ${UTILITY_ACCOUNTS}
    }
    qualifications { certificateNumber name level issuingAuthority issuedOn }
    enterpriseRoles { uscc enterpriseName role position ratio }
    legal {
      cases { caseNumber courtName kind cause status role amount filedOn closedOn }
      sanctions { id list caseNumber courtCode obligation publishedOn legalBasis status revokedOn grounds termYears endsOn endGround }
    }`;

export const PERSON_QUERY = `
query PersonProfile($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {${PERSON_FIELDS}
  }
}`;

/**
 * An enterprise party's legal representative, reached through the enterprise with its case: the
 * enterprise acts in the case through them (民事诉讼法 第五十一条第二款), so the hub follows this
 * reference where a look-up of the person alone is refused (not a party).
 */
export const REPRESENTATIVE_QUERY = `
query RepresentativeProfile($uscc: String!, $case: String) {
  enterprise(uscc: $uscc, caseNumber: $case) {
    uscc
    registration {
      name legalRepresentativeId
      legalRepresentative {${PERSON_FIELDS}
      }
    }
  }
}`;

export const REPRESENTATIVE_PATH = ["enterprise", "registration", "legalRepresentative"];

export const ENTERPRISE_QUERY = `
query EnterpriseProfile($uscc: String!, $case: String) {
  enterprise(uscc: $uscc, caseNumber: $case) {
    uscc
    registration {
      name enterpriseType legalRepresentativeId legalRepresentativeName registeredCapital
      establishedOn address businessScope status registrationAuthority phone
      keyPersonnel { idNumber name position }
    }
    shareholders { stakeId holderKind holderId holderName subscribedCapital ratio subscribedOn }
    licences { licenceNumber name issuingAuthority validFrom validTo status }
    insurance { insuredEmployees arrearsAmount arrearsMonths asOf }
    tax {
      registration { taxpayerId taxpayerKind authority registeredOn status creditGrade gradedYear }
      inArrears
      filings { period filedOn taxPayable taxPaid }
      arrears { taxKind period dueOn amount lateFee asOf }
      refunds { refundNumber kind amount approvedOn status }
    }
    utilities {
      operating
      ${UTILITY_ACCOUNTS}
    }
    penalties { decisionNumber violation penalty amount decidedOn authority }
    credit {
      abnormalOperations { reason listedOn authority removedOn }
      seriousViolations { reason listedOn authority removedOn }
    }
    assets {
      realEstates { unitNumber certificateNumber address usage area ownershipKind registeredOn
        owners { ownerKind ownerId ownerName share }
        mortgages { mortgagee securedAmount termStart termEnd }
        seizures { court caseNumber documentNumber rank status startDate endDate }
        ${WAITING} }
      vehicles { plate vin brand model vehicleType colour registeredOn status ${WAITING} }
      equities { stakeId uscc enterpriseName ratio subscribedCapital subscribedOn freezeStatus ${WAITING} }
      ${DEPOSITS}
    }
    legal {
      cases { caseNumber courtName kind cause status role amount filedOn closedOn }
      sanctions { id list caseNumber courtCode obligation publishedOn legalBasis status revokedOn grounds termYears endsOn endGround }
    }
  }
}`;

/**
 * Render context: the response's errors by path, the case the look-up was made for (carried
 * into links), and what the viewer may start from an asset (orders).
 */
class View {
  constructor(errors, { caseNumber, onOrder, onPublish, onRevoke, onDeduct = null, depositOrders = null }) {
    this.errors = errorsByPath(errors);
    this.caseNumber = caseNumber;
    this.onOrder = onOrder;
    // the judge's freezes of deposits in this case, by account number, and what deducts from one
    this.depositOrders = depositOrders || new Map();
    this.onDeduct = onDeduct;
    this.onPublish = onPublish;
    this.onRevoke = onRevoke;
  }

  /** The error at this path or at the nearest parent that is null because of it. */
  errorAt(path) {
    for (let n = path.length; n > 0; n -= 1) {
      const e = this.errors.get(path.slice(0, n).join("."));
      if (e) return e;
    }
    return null;
  }

  refusal(path) {
    const e = this.errorAt(path);
    if (!e) return null;
    const code = (e.extensions || {}).code;
    const reason = (e.extensions || {}).reason;
    if (code === "FORBIDDEN" && (reason === "NOT_A_RESPONDENT" || reason === "CASE_TYPE")) {
      return h("span", { class: "denied", title: e.message }, label("reason", reason));
    }
    if (code === "FORBIDDEN") return h("span", { class: "denied", title: describe(e) }, "无权限查看");
    return h("span", { class: "unavailable", title: e.message }, describe(e));
  }

  /** One value: refused, masked, missing, or as it is. */
  value(v, path, format = (x) => x) {
    if (v == null) return this.refusal(path) || h("span", { class: "empty" }, "—");
    const text = format(v);
    if (typeof v === "string" && v.includes("*")) return h("span", { class: "masked", title: "按权限脱敏显示" }, text);
    return text;
  }

  kv(obj, path, rows) {
    return h(
      "dl",
      { class: "kv" },
      rows.map(([key, title, format]) => [h("dt", {}, title), h("dd", { "data-field": key }, this.value(obj[key], [...path, key], format))]),
    );
  }

  /** A yes / no signal the hub derives (docs/tax_utilities.md); null: the records say nothing. */
  signal(obj, key, path, title, yes, no) {
    const v = obj[key];
    const refused = v == null ? this.refusal([...path, key]) : null;
    const text = refused || (v === true ? yes : v === false ? no : h("span", { class: "empty" }, "无法判断"));
    return h("dl", { class: "kv" }, h("dt", {}, title), h("dd", { "data-field": key }, text));
  }

  /** A profile section: refused or unavailable as a whole, or empty, or its content. */
  section(title, source, obj, path, render) {
    const refused = obj == null ? this.refusal(path) : null;
    let body;
    if (refused) body = h("p", {}, refused);
    else if (obj == null || (Array.isArray(obj) && obj.length === 0)) body = h("p", { class: "empty" }, "无记录");
    else body = render(obj);
    return h(
      "section",
      { class: "card section", dataset: { section: path[path.length - 1] } },
      h("h2", {}, title, source ? h("small", {}, "来源：" + source) : null),
      body,
    );
  }

  list(items, path, headers, cells, rowAttrs = () => ({})) {
    if (items == null) return this.refusal(path) || h("span", { class: "empty" }, "—");
    if (!items.length) return h("span", { class: "empty" }, "无记录");
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
        h("tbody", {}, items.map((item, i) => h("tr", rowAttrs(item), cells(item, [...path, i]).map((c) => h("td", {}, c))))),
      ),
    );
  }

  /**
   * A link to another subject's profile, carrying the case. ``via``: the enterprise whose legal
   * representative this is — with a case, the profile is then asked through that enterprise.
   */
  link(kind, id, text, path, via = null) {
    if (!id || id.includes("*")) return this.value(text || id, path);
    const params = new URLSearchParams({ kind, id });
    if (this.caseNumber) params.set("case", this.caseNumber);
    if (this.caseNumber && via) params.set("via", via);
    return h("a", { href: "#/lookup?" + params, class: "subject-link", dataset: via ? { via } : null }, text || id);
  }

  waitingLine(items, path) {
    if (items == null) return this.refusal(path) || "—";
    if (!items.length) return h("span", { class: "empty" }, "无");
    return h(
      "div",
      {},
      items.map((w) =>
        h(
          "div",
          { dataset: { outside: w.outsideHub ? "1" : "0" } },
          badge(w.rank != null ? `第 ${w.rank} 顺位` : "顺位待定", w.status === "EFFECTIVE" ? "bad" : "warn"),
          `${label("kind", w.kind)} ${w.court || (w.courtCode ? courtName(w.courtCode) : "")} ${w.caseNumber || ""} `,
          statusBadge(w.status),
          w.expiresOn ? ` 至 ${w.expiresOn}` : "",
          w.outsideHub ? badge("登记机关在册（非经府院通）") : null,
        ),
      ),
    );
  }

  orderButton(type, id, ownerHint) {
    if (!this.onOrder || !id || id.includes("*")) return null;
    return h(
      "button",
      { type: "button", class: "secondary", dataset: { asset: id }, onclick: () => this.onOrder({ type, id, owner: ownerHint }) },
      type === "EQUITY" ? "发起冻结" : "发起查封",
    );
  }

  /** Water, electricity and gas accounts, each with its last months' readings. */
  utilityAccounts(accounts, path) {
    const unit = (kind) => (kind === "电" ? "千瓦时" : "立方米");
    return this.list(accounts, path, ["类别", "供应单位", "用户号", "用水电气地址", "欠费", "近三个月用量"], (a, ap) => [
      this.value(a.kind, [...ap, "kind"]),
      this.value(a.provider, [...ap, "provider"]),
      this.value(a.accountNumber, [...ap, "accountNumber"]),
      this.value(a.address, [...ap, "address"]),
      this.value(a.arrears, [...ap, "arrears"], fmtMoney),
      a.usage
        ? a.usage.slice(-3).map((u) => h("div", {}, `${u.period}：${u.consumption} ${unit(a.kind)}（${fmtMoney(u.amountDue)}）`))
        : this.value(null, [...ap, "usage"]),
    ]);
  }

  assets(assets, path, owner) {
    return this.section("财产信息", "不动产登记机构、公安机关、市场监管部门、银行", assets, path, (a) => [
      h("h3", {}, "不动产"),
      this.list(a.realEstates, [...path, "realEstates"], ["不动产单元号 / 坐落", "用途 · 面积", "权利人", "抵押", "查封（登记簿）", "轮候", ""], (r, p) => [
        h("div", {}, this.value(r.unitNumber, [...p, "unitNumber"]), h("br"), this.value(r.address, [...p, "address"])),
        h("div", {}, this.value(r.usage, [...p, "usage"]), " · ", this.value(r.area, [...p, "area"], (x) => `${x} m²`)),
        r.owners ? r.owners.map((o, i) => h("div", {}, this.link(o.ownerKind, o.ownerId, o.ownerName, [...p, "owners", i, "ownerName"]), o.share != null ? `（${o.share}）` : "")) : this.value(null, [...p, "owners"]),
        this.list(r.mortgages, [...p, "mortgages"], ["抵押权人", "担保金额"], (m, mp) => [this.value(m.mortgagee, [...mp, "mortgagee"]), this.value(m.securedAmount, [...mp, "securedAmount"], fmtMoney)]),
        this.list(r.seizures, [...p, "seizures"], ["法院", "案号", "顺位", "状态"], (s, sp) => [this.value(s.court, [...sp, "court"]), this.value(s.caseNumber, [...sp, "caseNumber"]), this.value(s.rank, [...sp, "rank"]), this.value(s.status, [...sp, "status"], (x) => label("status", x))]),
        this.waitingLine(r.waitingLine, [...p, "waitingLine"]),
        this.orderButton("REAL_ESTATE", r.unitNumber, owner),
      ]),
      h("h3", {}, "机动车"),
      this.list(a.vehicles, [...path, "vehicles"], ["号牌", "品牌型号", "车辆识别代号", "状态", "轮候", ""], (v, p) => [
        this.value(v.plate, [...p, "plate"]),
        h("div", {}, this.value(v.brand, [...p, "brand"]), " ", this.value(v.model, [...p, "model"])),
        this.value(v.vin, [...p, "vin"]),
        this.value(v.status, [...p, "status"], (x) => label("vehicle", x)),
        this.waitingLine(v.waitingLine, [...p, "waitingLine"]),
        this.orderButton("VEHICLE", v.plate, owner),
      ]),
      h("h3", {}, "股权"),
      this.list(a.equities, [...path, "equities"], ["企业", "出资额 · 比例", "冻结状态", "轮候", ""], (q, p) => [
        this.link("ENTERPRISE", q.uscc, q.enterpriseName, [...p, "enterpriseName"]),
        h("div", {}, this.value(q.subscribedCapital, [...p, "subscribedCapital"], fmtWan), " · ", this.value(q.ratio, [...p, "ratio"], (x) => `${(Number(x) * 100).toFixed(2)}%`)),
        this.value(q.freezeStatus, [...p, "freezeStatus"], (x) => label("freeze", x)),
        this.waitingLine(q.waitingLine, [...p, "waitingLine"]),
        this.orderButton("EQUITY", q.stakeId, owner),
      ]),
      h("h3", {}, "银行存款"),
      this.deposits(a.deposits, [...path, "deposits"]),
    ]);
  }

  /**
   * Deposits per bank: whether the bank answered, then its accounts with their freezes; for the
   * judge, 冻结 on an account and 扣划 on the case's freeze in effect.
   */
  deposits(banks, path) {
    if (banks == null) return this.refusal(path) || h("span", { class: "empty" }, "—");
    return h(
      "div",
      { class: "deposits" },
      banks.map((b, i) => {
        const p = [...path, i];
        const kind = { ANSWERED: "ok", TIMEOUT: "warn", UNAVAILABLE: "bad" }[b.answer] || "";
        return h(
          "div",
          { class: "bank", dataset: { bank: b.bank || "", answer: b.answer || "" } },
          h("h4", {}, this.value(b.bankName, [...p, "bankName"]), " ", badge(label("bankAnswer", b.answer), kind)),
          this.list(b.accounts, [...p, "accounts"], ["账号 / 开户网点", "类型 · 币种", "余额", "冻结金额", "可用余额", "冻结（顺位、法院、案号、金额、期限）", ""], (a, ap) => [
            h("div", {}, this.value(a.accountNumber, [...ap, "accountNumber"]), h("br"), this.value(a.branch, [...ap, "branch"])),
            h("div", {}, this.value(a.kind, [...ap, "kind"], (x) => label("depositKind", x)), " · ", this.value(a.currency, [...ap, "currency"], (x) => label("currency", x)), a.maturesOn ? ` 至 ${a.maturesOn}` : ""),
            h("span", { dataset: { field: "balance" } }, this.value(a.balance, [...ap, "balance"], (x) => fmtAmount(x, a.currency))),
            h("span", { dataset: { field: "frozenAmount" } }, this.value(a.frozenAmount, [...ap, "frozenAmount"], (x) => fmtAmount(x, a.currency))),
            h("span", { dataset: { field: "availableBalance" } }, this.value(a.availableBalance, [...ap, "availableBalance"], (x) => fmtAmount(x, a.currency))),
            this.accountFreezes(a, ap),
            this.freezeButton(a),
          ], (a) => ({ dataset: { account: a.accountNumber || "" } })),
        );
      }),
    );
  }

  /** An account's freezes by rank; the judge's own of this case in effect can be deducted from. */
  accountFreezes(a, path) {
    if (a.freezes == null) return this.value(null, [...path, "freezes"]);
    if (a.freezes.length === 0) return h("span", { class: "empty" }, "无");
    const mine = this.depositOrders.get(a.accountNumber);
    return h(
      "div",
      {},
      a.freezes.map((f) => {
        const ours = mine && this.caseNumber && f.caseNumber === this.caseNumber;
        return h(
          "div",
          { class: "freeze", dataset: { case: f.caseNumber || "", status: f.status || "" } },
          badge(f.rank != null ? `第 ${f.rank} 顺位` : "顺位待定", f.status === "EFFECTIVE" ? "bad" : "warn"),
          ` ${f.court || ""} ${f.caseNumber || ""} `,
          ours ? badge("本案", "ok") : null,
          ` ${fmtAmount(f.amount, a.currency) || ""} `,
          statusBadge(f.status),
          f.startDate || f.endDate ? ` ${f.startDate || ""} 至 ${f.endDate || ""}` : "",
          ours && f.status === "EFFECTIVE" && mine.status === "EFFECTIVE" && this.onDeduct
            ? h("button", { type: "button", class: "danger", dataset: { deduct: mine.id }, onclick: () => this.onDeduct(mine, a) }, "扣划")
            : null,
        );
      }),
    );
  }

  /** 冻结 of an amount on an account (the order form), for a judge; CNY accounts only (the hub
   * compares amounts with the case's outstanding amount in CNY, holding no exchange rates). */
  freezeButton(a) {
    if (!this.onOrder || !a.accountNumber || a.accountNumber.includes("*")) return "";
    if (this.depositOrders.has(a.accountNumber)) return h("span", { class: "muted" }, "本案已有冻结文书");
    if (a.currency !== "CNY") return h("span", { class: "muted" }, "外币账户请以纸质文书冻结");
    return h(
      "button",
      { type: "button", class: "secondary", dataset: { freezeAccount: a.accountNumber }, onclick: () => this.onOrder({ type: "DEPOSIT", id: a.accountNumber, available: a.availableBalance, currency: a.currency }) },
      "冻结",
    );
  }

  legal(legal, path) {
    return this.section("涉诉与失信", "法院", legal, path, (l) => this.legalBody(l, path));
  }

  legalBody(l, path) {
    return [
      h("h3", {}, "涉诉案件"),
      this.list(l.cases, [...path, "cases"], ["案号", "法院", "案由", "诉讼地位", "标的", "状态"], (c, p) => [
        this.value(c.caseNumber, [...p, "caseNumber"]),
        this.value(c.courtName, [...p, "courtName"]),
        this.value(c.cause, [...p, "cause"]),
        this.value(c.role, [...p, "role"]),
        this.value(c.amount, [...p, "amount"], fmtMoney),
        this.value(c.status, [...p, "status"], (x) => label("status", x)),
      ]),
      h("h3", {}, "失信与限制消费"),
      this.list(l.sanctions, [...path, "sanctions"], ["名单", "案号", "发布日期", "情形", "截止日期", "状态", "依据", ""], (s, p) => [
        this.value(s.list, [...p, "list"], (x) => label("list", x)),
        this.value(s.caseNumber, [...p, "caseNumber"]),
        this.value(s.publishedOn, [...p, "publishedOn"]),
        this.value(s.grounds, [...p, "grounds"], (x) => x.map((g) => label("ground", g)).join("、")),
        s.endsOn != null ? this.value(s.endsOn, [...p, "endsOn"]) : this.refusal([...p, "endsOn"]) || h("span", { class: "empty", dataset: { endsOn: "none" } }, endsOnText(s)),
        s.status ? statusBadge(s.status) : this.value(null, [...p, "status"]),
        this.value(s.legalBasis, [...p, "legalBasis"]),
        this.onRevoke && s.status === "ACTIVE" && s.caseNumber === this.caseNumber
          ? h("button", { type: "button", class: "danger", dataset: { revoke: s.id }, onclick: () => this.onRevoke(s) }, "删除 / 撤销")
          : "",
      ]),
      this.onPublish
        ? h("p", {}, h("button", { type: "button", class: "secondary", id: "sanction-publish", onclick: () => this.onPublish() }, "纳入失信 / 限制消费名单"))
        : null,
    ];
  }
}

// Why an entry has no end date: ground (一) lasts until performance (法释〔2017〕7号 第二条), a
// consumption restriction has no term here, and an entry older than the record of its ground
// has none computed.
export function endsOnText(s) {
  const grounds = s.grounds || [];
  if (grounds.includes("UNKNOWN")) return "情形未记录";
  if (grounds.includes("ABLE_NOT_PERFORMING")) return "至履行完毕";
  if (s.list === "CONSUMPTION_RESTRICTION") return "至解除";
  return "—";
}

/** A person's profile; ``options.path`` is where the person is in the answer (a reference). */
export function renderPerson(person, errors, options) {
  const v = new View(errors, options);
  const p = options.path || ["person"];
  const name = person.identity && person.identity.name;
  return h(
    "div",
    { class: "profile", id: "profile" },
    h("h1", {}, "个人全息视图：", name ? v.value(name, [...p, "identity", "name"]) : "", " ", v.value(person.idNumber, [...p, "idNumber"])),
    v.section("身份信息", agencyName("public_security"), person.identity, [...p, "identity"], (i) =>
      v.kv(i, [...p, "identity"], [
        ["name", "姓名"], ["idNumber", "公民身份号码"], ["gender", "性别"], ["birthDate", "出生日期"],
        ["ethnicity", "民族"], ["registeredAddress", "户籍地址"], ["registrationStatus", "户籍状态"],
        ["issuingAuthority", "签发机关"], ["phone", "联系电话"],
      ]),
    ),
    v.assets(person.assets, [...p, "assets"], person.idNumber),
    v.section("社会保险与住房公积金", agencyName("social_security"), person.insurance, [...p, "insurance"], (ins) => [
      h("h3", {}, "社会保险"),
      v.list(ins.records, [...p, "insurance", "records"], ["险种", "参保单位", "缴费基数", "缴费月数", "最近缴费", "状态"], (r, rp) => [
        v.value(r.kind, [...rp, "kind"], (x) => label("insurance", x)),
        v.link("ENTERPRISE", r.employerUscc, r.employerName, [...rp, "employerName"]),
        v.value(r.contributionBase, [...rp, "contributionBase"], fmtMoney),
        v.value(r.monthsPaid, [...rp, "monthsPaid"]),
        v.value(r.lastPaidMonth, [...rp, "lastPaidMonth"]),
        v.value(r.status, [...rp, "status"]),
      ]),
      h("h3", {}, "住房公积金"),
      ins.housingFund
        ? v.kv(ins.housingFund, [...p, "insurance", "housingFund"], [
            ["accountNumber", "账号"], ["employerName", "缴存单位"], ["balance", "余额", fmtMoney],
            ["monthlyDeposit", "月缴存额", fmtMoney], ["openedOn", "开户日期"], ["status", "状态"],
          ])
        : v.value(null, [...p, "insurance", "housingFund"]),
    ]),
    v.section("个人所得税与个体经营", agencyName("tax"), person.tax, [...p, "tax"], (t) => [
      h("h3", {}, "个人所得税扣缴（按月）"),
      v.list(t.incomeTax, [...p, "tax", "incomeTax"], ["所属月份", "扣缴义务人", "所得项目", "收入额", "已扣缴税额"], (r, rp) => [
        v.value(r.period, [...rp, "period"]),
        v.link("ENTERPRISE", r.withholderUscc, r.withholderName, [...rp, "withholderName"]),
        v.value(r.incomeKind, [...rp, "incomeKind"]),
        v.value(r.income, [...rp, "income"], fmtMoney),
        v.value(r.taxWithheld, [...rp, "taxWithheld"], fmtMoney),
      ]),
      h("h3", {}, "个体工商户"),
      v.list(t.businesses, [...p, "tax", "businesses"], ["名称", "统一社会信用代码", "主管税务机关", "登记日期", "状态"], (b, bp) => [
        v.value(b.name, [...bp, "name"]), v.value(b.taxpayerId, [...bp, "taxpayerId"]), v.value(b.authority, [...bp, "authority"]),
        v.value(b.registeredOn, [...bp, "registeredOn"]), v.value(b.status, [...bp, "status"]),
      ]),
    ]),
    v.section("水电气", agencyName("utilities"), person.utilities, [...p, "utilities"], (u) => [
      v.signal(u, "livesAtRegisteredAddress", [...p, "utilities"], "是否居住在户籍地址", "是（户籍地址近三个月有用水电气）", "否（户籍地址无用量或另有住所）"),
      v.utilityAccounts(u.accounts, [...p, "utilities", "accounts"]),
    ]),
    v.section("职业资格", agencyName("social_security"), person.qualifications, [...p, "qualifications"], (qs) =>
      v.list(qs, [...p, "qualifications"], ["证书编号", "名称", "等级", "发证机关", "发证日期"], (q, qp) => [
        v.value(q.certificateNumber, [...qp, "certificateNumber"]), v.value(q.name, [...qp, "name"]),
        v.value(q.level, [...qp, "level"]), v.value(q.issuingAuthority, [...qp, "issuingAuthority"]), v.value(q.issuedOn, [...qp, "issuedOn"]),
      ]),
    ),
    v.section("企业任职", agencyName("market_supervision"), person.enterpriseRoles, [...p, "enterpriseRoles"], (rs) =>
      v.list(rs, [...p, "enterpriseRoles"], ["企业", "统一社会信用代码", "身份", "职务 / 出资比例"], (r, rp) => [
        v.link("ENTERPRISE", r.uscc, r.enterpriseName, [...rp, "enterpriseName"]),
        v.value(r.uscc, [...rp, "uscc"]),
        v.value(r.role, [...rp, "role"], (x) => label("role", x)),
        r.ratio != null ? `${(Number(r.ratio) * 100).toFixed(2)}%` : v.value(r.position, [...rp, "position"]),
      ]),
    ),
    v.legal(person.legal, [...p, "legal"]),
  );
}

export function renderEnterprise(enterprise, errors, options) {
  const v = new View(errors, options);
  const p = ["enterprise"];
  const reg = enterprise.registration;
  return h(
    "div",
    { class: "profile", id: "profile" },
    h("h1", {}, "企业全息视图：", reg && reg.name ? v.value(reg.name, [...p, "registration", "name"]) : "", " ", v.value(enterprise.uscc, [...p, "uscc"])),
    v.section("登记信息", agencyName("market_supervision"), reg, [...p, "registration"], (r) => [
      v.kv(r, [...p, "registration"], [
        ["name", "名称"], ["uscc", "统一社会信用代码"], ["enterpriseType", "类型"], ["registeredCapital", "注册资本", fmtWan],
        ["establishedOn", "成立日期"], ["address", "住所"], ["status", "登记状态"], ["registrationAuthority", "登记机关"],
        ["businessScope", "经营范围"], ["phone", "联系电话"],
      ].filter(([k]) => k !== "uscc")),
      h("dl", { class: "kv" }, h("dt", {}, "法定代表人"), h("dd", { "data-field": "legalRepresentative" }, v.link("PERSON", r.legalRepresentativeId, r.legalRepresentativeName, [...p, "registration", "legalRepresentativeName"], enterprise.uscc))),
      h("h3", {}, "主要人员"),
      v.list(r.keyPersonnel, [...p, "registration", "keyPersonnel"], ["姓名", "职务"], (k, kp) => [v.link("PERSON", k.idNumber, k.name, [...kp, "name"]), v.value(k.position, [...kp, "position"])]),
    ]),
    v.section("股东及出资", agencyName("market_supervision"), enterprise.shareholders, [...p, "shareholders"], (ss) =>
      v.list(ss, [...p, "shareholders"], ["股东", "类型", "认缴出资", "比例"], (s, sp) => [
        v.link(s.holderKind, s.holderId, s.holderName, [...sp, "holderName"]),
        v.value(s.holderKind, [...sp, "holderKind"], (x) => label("subject", x)),
        v.value(s.subscribedCapital, [...sp, "subscribedCapital"], fmtWan),
        v.value(s.ratio, [...sp, "ratio"], (x) => `${(Number(x) * 100).toFixed(2)}%`),
      ]),
    ),
    v.section("行政许可", agencyName("market_supervision"), enterprise.licences, [...p, "licences"], (ls) =>
      v.list(ls, [...p, "licences"], ["许可证号", "名称", "发证机关", "有效期至", "状态"], (l, lp) => [
        v.value(l.licenceNumber, [...lp, "licenceNumber"]), v.value(l.name, [...lp, "name"]), v.value(l.issuingAuthority, [...lp, "issuingAuthority"]),
        v.value(l.validTo, [...lp, "validTo"]), v.value(l.status, [...lp, "status"]),
      ]),
    ),
    v.section("社保缴纳", agencyName("social_security"), enterprise.insurance, [...p, "insurance"], (i) =>
      v.kv(i, [...p, "insurance"], [["insuredEmployees", "参保人数"], ["arrearsAmount", "欠缴金额", fmtMoney], ["arrearsMonths", "欠缴月数"], ["asOf", "统计日期"]]),
    ),
    v.section("税务", agencyName("tax"), enterprise.tax, [...p, "tax"], (t) => [
      t.registration
        ? v.kv(t.registration, [...p, "tax", "registration"], [
            ["taxpayerKind", "纳税人类型"], ["authority", "主管税务机关"], ["registeredOn", "税务登记日期"],
            ["status", "纳税人状态"], ["creditGrade", "纳税信用级别"], ["gradedYear", "评价年度"],
          ])
        : v.value(null, [...p, "tax", "registration"]),
      v.signal(t, "inArrears", [...p, "tax"], "是否欠税", "是", "否"),
      h("h3", {}, "纳税申报与缴款（按月）"),
      v.list(t.filings, [...p, "tax", "filings"], ["所属月份", "申报日期", "应纳税额", "已缴税额"], (f, fp) => [
        v.value(f.period, [...fp, "period"]), v.value(f.filedOn, [...fp, "filedOn"], (x) => x || "未申报"),
        v.value(f.taxPayable, [...fp, "taxPayable"], fmtMoney), v.value(f.taxPaid, [...fp, "taxPaid"], fmtMoney),
      ]),
      h("h3", {}, "欠税"),
      v.list(t.arrears, [...p, "tax", "arrears"], ["税种", "所属月份", "缴款期限", "欠税金额", "滞纳金"], (a, ap) => [
        v.value(a.taxKind, [...ap, "taxKind"]), v.value(a.period, [...ap, "period"]), v.value(a.dueOn, [...ap, "dueOn"]),
        v.value(a.amount, [...ap, "amount"], fmtMoney), v.value(a.lateFee, [...ap, "lateFee"], fmtMoney),
      ]),
      h("h3", {}, "退税"),
      v.list(t.refunds, [...p, "tax", "refunds"], ["退税编号", "类型", "金额", "审批日期", "状态"], (r, rp) => [
        v.value(r.refundNumber, [...rp, "refundNumber"]), v.value(r.kind, [...rp, "kind"]), v.value(r.amount, [...rp, "amount"], fmtMoney),
        v.value(r.approvedOn, [...rp, "approvedOn"]), v.value(r.status, [...rp, "status"]),
      ]),
    ]),
    v.section("水电气", agencyName("utilities"), enterprise.utilities, [...p, "utilities"], (u) => [
      v.signal(u, "operating", [...p, "utilities"], "是否仍在经营", "是（近三个月有用水电气）", "否（近三个月无用量）"),
      v.utilityAccounts(u.accounts, [...p, "utilities", "accounts"]),
    ]),
    v.section("行政处罚与信用", agencyName("market_supervision"), enterprise.penalties || enterprise.credit ? { penalties: enterprise.penalties, credit: enterprise.credit } : null, [...p, "penalties"], (x) => [
      h("h3", {}, "行政处罚"),
      v.list(x.penalties, [...p, "penalties"], ["决定书文号", "违法行为", "处罚", "金额", "日期"], (q, qp) => [
        v.value(q.decisionNumber, [...qp, "decisionNumber"]), v.value(q.violation, [...qp, "violation"]), v.value(q.penalty, [...qp, "penalty"]),
        v.value(q.amount, [...qp, "amount"], fmtMoney), v.value(q.decidedOn, [...qp, "decidedOn"]),
      ]),
      h("h3", {}, "经营异常名录"),
      x.credit ? v.list(x.credit.abnormalOperations, [...p, "credit", "abnormalOperations"], ["原因", "列入日期", "移出日期"], (a, ap) => [v.value(a.reason, [...ap, "reason"]), v.value(a.listedOn, [...ap, "listedOn"]), v.value(a.removedOn, [...ap, "removedOn"])]) : v.value(null, [...p, "credit"]),
      h("h3", {}, "严重违法失信名单"),
      x.credit ? v.list(x.credit.seriousViolations, [...p, "credit", "seriousViolations"], ["原因", "列入日期", "移出日期"], (a, ap) => [v.value(a.reason, [...ap, "reason"]), v.value(a.listedOn, [...ap, "listedOn"]), v.value(a.removedOn, [...ap, "removedOn"])]) : v.value(null, [...p, "credit"]),
    ]),
    v.assets(enterprise.assets, [...p, "assets"], enterprise.uscc),
    v.legal(enterprise.legal, [...p, "legal"]),
  );
}
