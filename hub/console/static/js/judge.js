// The judge's pages: my cases, the profile look-up, seizure orders. Agency officers use the
// look-up too (their policy decides what they see).

import { describe, follow, gql } from "./api.js";
import { LABELS, agencyName, courtName, label } from "./labels.js";
import { casePicker, pagedList } from "./lists.js";
import { ENTERPRISE_QUERY, PERSON_QUERY, REPRESENTATIVE_PATH, REPRESENTATIVE_QUERY, renderEnterprise, renderPerson } from "./profile.js";
import { amountTyped, badge, busy, card, cents, courtInstant, daysFrom, field, fill, flash, fmtAmount, fmtDateTime, fmtMoney, h, notice, onLeave, rankBadge, reloadSoon, statusBadge, table, termText, today, screen } from "./ui.js";

const CASES_QUERY = `
query MyCases($filter: CaseFilter, $after: String) {
  assignedCases(filter: $filter, first: 50, after: $after) {
    nodes { caseNumber courtName kind cause status filedOn amount parties { role subjectKind subjectId name } }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

export async function cases(params) {
  const mount = screen();
  const term = (params.get("q") || "").trim();
  const input = h("input", { type: "search", id: "cases-search", name: "q", value: term, autocomplete: "off", placeholder: "案号或其中一段，如 执1119、（2023）鲁0602" });
  const form = h(
    "form",
    {
      id: "cases-filter",
      onsubmit: (event) => {
        event.preventDefault();
        const q = input.value.trim();
        const target = q ? "#/cases?" + new URLSearchParams({ q }) : "#/cases";
        if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = target;
      },
    },
    h("div", { class: "row" }, field("按案号查找", input, true), h("button", { class: "primary", type: "submit" }, "查找"), term ? h("a", { href: "#/cases", id: "cases-all" }, "显示全部") : null),
  );
  const filter = { status: "OPEN", caseNumberContains: term || null };
  const results = card(null, form);
  mount(h("h1", {}, "我承办的未结执行案件"), results);
  const list = await pagedList({
    id: "cases-list",
    unit: "件",
    loading: "正在读取我承办的案件…",
    fetchPage: async (after) => (await gql(CASES_QUERY, { filter, after })).data.assignedCases,
    render: (nodes) =>
      table(
        ["案号", "案由", "执行标的", "立案日期", "当事人", ""],
        nodes.map((c) => [
          h("strong", {}, c.caseNumber),
          c.cause || "—",
          fmtMoney(c.amount) || "—",
          c.filedOn || "—",
          h(
            "div",
            {},
            c.parties.map((p) =>
              h(
                "div",
                {},
                badge(p.role || "当事人"),
                h("a", { href: `#/lookup?${new URLSearchParams({ kind: p.subjectKind, id: p.subjectId, case: c.caseNumber })}`, class: "party-link" }, p.name || p.subjectId),
              ),
            ),
          ),
          h(
            "div",
            {},
            h("a", { href: `#/orders?${new URLSearchParams({ case: c.caseNumber })}` }, "本案查控文书"),
            h("br"),
            h("a", { href: `#/inquiry/new?${new URLSearchParams({ case: c.caseNumber })}`, class: "inquiry-link" }, "存款查控"),
          ),
        ]),
        (i) => ({ dataset: { case: nodes[i].caseNumber } }),
      ),
  });
  results.append(list);
}

function subjectKindOf(id) {
  return /^[0-9]{17}[0-9Xx]$/.test(id.trim()) ? "PERSON" : "ENTERPRISE";
}

export async function lookup(params, me) {
  const mount = screen();
  const isJudge = me.roles.includes("enforcement_judge");
  const id = (params.get("id") || "").trim();
  const kind = params.get("kind") || (id ? subjectKindOf(id) : "PERSON");
  const caseNumber = params.get("case") || "";
  // a legal representative reached from an enterprise party's profile: asked through it
  const via = kind === "PERSON" && caseNumber ? params.get("via") || "" : "";
  const idInput = h("input", { id: "subject-id", name: "id", value: id, required: true, autocomplete: "off", placeholder: "18 位身份证号码或统一社会信用代码" });
  const kindSelect = h("select", { id: "subject-kind", name: "kind" }, h("option", { value: "PERSON", selected: kind === "PERSON" }, "自然人（身份证号码）"), h("option", { value: "ENTERPRISE", selected: kind === "ENTERPRISE" }, "企业（统一社会信用代码）"));
  // the judge's open cases, found by part of the case number (every one is reachable)
  const picker = isJudge ? casePicker({ id: "case-select", selected: caseNumber, none: "不指定案件" }) : null;
  const caseSelect = picker ? picker.select : h("select");
  const form = h(
    "form",
    {
      id: "lookup-form",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams({ kind: kindSelect.value, id: idInput.value.trim() });
        if (caseSelect.value) q.set("case", caseSelect.value);
        if (via && q.get("id") === id && q.get("case") === caseNumber && q.get("kind") === kind) q.set("via", via);
        const target = "#/lookup?" + q;
        if (location.hash === target) lookup(new URLSearchParams(q), me);
        else location.hash = target;
      },
    },
    h("div", { class: "row" }, field("主体类型", kindSelect), field("证件号码", idInput, true), picker ? field("查询事由（执行案件）", picker.element, true) : null, h("button", { class: "primary", type: "submit" }, "查询")),
    isJudge ? h("p", { class: "muted" }, "执行法官查询须选择本人承办的未结案件，且被查询人须为该案当事人；每次查询均记入审计日志。") : null,
  );
  const result = h("div", { id: "lookup-result" });
  mount(h("h1", {}, "全息查询"), card(null, form), result);
  if (picker) {
    try {
      await picker.ready;
    } catch {
      /* the look-up below reports the problem */
    }
  }
  if (!id) return;
  if (via) {
    await representative(result, id, via, caseNumber);
    return;
  }
  const variables = kind === "ENTERPRISE" ? { uscc: id, case: caseNumber || null } : { id, case: caseNumber || null };
  const [{ data, errors }, depositOrders] = await busy(
    "正在向各部门调取信息…",
    Promise.all([gql(kind === "ENTERPRISE" ? ENTERPRISE_QUERY : PERSON_QUERY, variables, { nullRoot: true }), isJudge && caseNumber ? caseDepositOrders(caseNumber) : new Map()]),
  );
  const root = kind === "ENTERPRISE" ? "enterprise" : "person";
  const subject = data[root];
  const rootError = errors.find((e) => e.path && e.path.length === 1);
  if (subject == null) {
    const message = rootError ? describe(rootError) : kind === "ENTERPRISE" ? "市场监管部门没有这家企业的登记记录" : "公安机关没有此人的户籍记录";
    result.replaceChildren(card("查询结果", h("p", { class: rootError ? "denied-block" : "empty", id: "lookup-refused" }, message)));
    if (rootError) notice(message);
    return;
  }
  const onOrder = isJudge ? (asset) => startOrder(asset, caseSelect.value || caseNumber) : null;
  const onDeduct = isJudge ? (order, account) => deduct(order, account) : null;
  const subjectInput = kind === "ENTERPRISE" ? { uscc: id } : { idNumber: id };
  const onPublish = isJudge && caseNumber ? () => publishEntry(subjectInput, caseNumber) : null;
  const onRevoke = isJudge ? (entry) => revokeEntry(entry) : null;
  const options = { caseNumber, onOrder, onPublish, onRevoke, onDeduct, depositOrders };
  const view = kind === "ENTERPRISE" ? renderEnterprise(subject, errors, options) : renderPerson(subject, errors, options);
  const partial = errors.filter((e) => ["CONNECTOR_UNAVAILABLE", "CONNECTOR_TIMEOUT"].includes((e.extensions || {}).code));
  if (partial.length) notice([...new Set(partial.map(describe))].join("；"), "info");
  result.replaceChildren(view);
}

const DEPOSIT_ORDERS = `
query CaseDepositOrders($filter: FreezeOrderFilter) {
  freezeOrders(filter: $filter, first: 100) {
    nodes { id kind assetType assetId agency caseNumber rulingNumber status rank amount frozenAmount currency effectiveFrom expiresOn }
  }
}`;

const ENDED = ["REJECTED", "RELEASED", "EXPIRED"];

/**
 * The case's freezes of deposits still standing, by account number (one measure per asset and
 * case): what the profile offers to deduct from, and the accounts it need not offer to freeze.
 */
async function caseDepositOrders(caseNumber) {
  try {
    const { data } = await gql(DEPOSIT_ORDERS, { filter: { caseNumber, assetType: "DEPOSIT" } });
    return new Map(data.freezeOrders.nodes.filter((o) => !ENDED.includes(o.status)).map((o) => [o.assetId, o]));
  } catch {
    return new Map(); // the profile says what is wrong with the case
  }
}

const DEDUCT = `
mutation Deduct($input: DepositDeductInput!) {
  depositDeduct(input: $input) { deduction { id status amount } errors { code message field reason rule } }
}`;

/** A refusal of what was typed, before anything is sent (shown like the API's). */
function inputRefusal(rule) {
  return { errors: [{ code: "BAD_USER_INPUT", rule }] };
}

/**
 * 扣划: money out of the case's freeze in effect, by a ruling, to the court's 执行款 account
 * (《民事诉讼法》第二百五十三条). The amount is sent as typed once its form is checked; whether the
 * freeze still holds it (less the deductions on their way) is the API's to say.
 */
export function deduct(order, account = null) {
  const idempotencyKey = crypto.randomUUID(); // one dialog, one deduction: a retry is the same
  const currency = order.currency || "CNY";
  const { inputs } = dialogForm(
    `扣划存款：${agencyName(order.agency)} ${order.assetId}`,
    [
      ["amount", `扣划金额（${label("currencyUnit", currency)}，最多两位小数）`],
      ["rulingNumber", "扣划裁定书文号"],
    ],
    async ({ amount, rulingNumber }) => {
      if (!amountTyped(amount)) return inputRefusal("AMOUNT_FORMAT");
      if (cents(amount) <= 0n) return inputRefusal("AMOUNT_POSITIVE");
      const input = { orderId: order.id, amount, rulingNumber, idempotencyKey };
      const { data } = await busy("正在提交扣划…", gql(DEDUCT, { input }));
      const payload = data.depositDeduct;
      return { ...payload, done: `已提交扣划 ${fmtAmount(amount, currency)}，银行划款并回执后记入执行款台账` };
    },
    h(
      "div",
      {},
      h(
        "dl",
        { class: "kv order-summary" },
        h("dt", {}, "银行"), h("dd", {}, agencyName(order.agency)),
        h("dt", {}, "账号"), h("dd", { "data-field": "assetId" }, order.assetId),
        h("dt", {}, "冻结文书"), h("dd", { "data-field": "orderId" }, order.id),
        h("dt", {}, "案号"), h("dd", {}, order.caseNumber),
        h("dt", {}, "本案冻结金额"), h("dd", { "data-field": "frozenAmount" }, fmtAmount(order.frozenAmount, currency) || "—"),
        account ? [h("dt", {}, "账户余额"), h("dd", {}, fmtAmount(account.balance, currency) || "—")] : null,
        order.expiresOn ? [h("dt", {}, "冻结期限"), h("dd", {}, `${order.effectiveFrom || "—"} 至 ${order.expiresOn}`)] : null,
      ),
      h("p", { class: "notice" }, "扣划将把款项从该冻结中划入本院执行款账户，银行划款后不能撤回。请核对金额和裁定书文号后确定。"),
    ),
  );
  inputs.amount.setAttribute("inputmode", "decimal");
  inputs.amount.setAttribute("autocomplete", "off");
}

/** The legal representative of an enterprise party, asked through the enterprise and its case. */
async function representative(result, id, uscc, caseNumber) {
  const { data, errors } = await busy("正在向各部门调取信息…", gql(REPRESENTATIVE_QUERY, { uscc, case: caseNumber }, { nullRoot: true }));
  const registration = data.enterprise && data.enterprise.registration;
  const person = registration && registration.legalRepresentative;
  if (!person || registration.legalRepresentativeId !== id) {
    // the refusal nearest the representative: the enterprise, its registration, or the person
    const refusal = [...errors]
      .filter((e) => e.path && e.path.every((k, i) => REPRESENTATIVE_PATH[i] === k))
      .sort((a, b) => b.path.length - a.path.length)[0];
    let message = "公安机关没有此人的户籍记录";
    if (refusal) message = describe(refusal);
    else if (registration && registration.legalRepresentativeId !== id) message = "该企业登记的法定代表人已不是此人，请从企业全息视图重新进入";
    fill(result, card("查询结果", h("p", { class: refusal ? "denied-block" : "empty", id: "lookup-refused" }, message)));
    if (refusal) notice(message);
    return;
  }
  const view = renderPerson(person, errors, { caseNumber, onOrder: null, onPublish: null, onRevoke: null, path: REPRESENTATIVE_PATH });
  fill(
    result,
    h(
      "p",
      { class: "notice info", id: "representative-note" },
      `作为${registration.name || "本案当事人企业"}的法定代表人查看：该企业是所选案件的当事人，由其法定代表人进行诉讼（《民事诉讼法》第五十一条第二款）。其本人的财产信息仅在其为本案被执行人时显示。`,
    ),
    view,
  );
}

const PUBLISH = `
mutation Publish($input: SanctionEntryPublishInput!) {
  sanctionEntryPublish(input: $input) { entry { id status } errors { code message field reason rule } }
}`;

const ANNUL = `
mutation Annul($id: String!, $reason: String!) {
  sanctionEntryAnnul(id: $id, reason: $reason) { entry { id status } errors { code message field reason rule } }
}`;

const DELETE = `
mutation Delete($id: String!, $input: SanctionEntryDeleteInput!) {
  sanctionEntryDelete(id: $id, input: $input) { entry { id status } errors { code message field reason rule } }
}`;

// The ground (情形) of an entry: 法释〔2017〕7号 第一条 (一)–(六) for the dishonest list — (一) has no
// term, (二)–(六) two years (第二条); 法释〔2015〕17号 第一条 for a consumption restriction.
const GROUNDS = {
  DISHONEST: ["ABLE_NOT_PERFORMING", "OBSTRUCTING", "EVADING", "ASSET_REPORT", "CONSUMPTION_ORDER", "SETTLEMENT"],
  CONSUMPTION_RESTRICTION: ["NOT_PERFORMED", "DISHONEST_LISTED"],
};
const BASIS = {
  DISHONEST: "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
  CONSUMPTION_RESTRICTION: "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第一条",
};
const groundChoices = (list) => GROUNDS[list].map((g) => [g, label("ground", g)]);

function publishEntry(subject, caseNumber) {
  const { inputs } = dialogForm(
    `纳入名单：${caseNumber}`,
    [
      ["list", "名单", "select", Object.entries(LABELS.list), "DISHONEST"],
      ["ground", "情形", "select", groundChoices("DISHONEST"), "ABLE_NOT_PERFORMING"],
      ["obligation", "生效法律文书确定的义务"],
      ["publishedOn", "发布日期", "date", null, today()],
      ["legalBasis", "依据", "text", null, BASIS.DISHONEST],
    ],
    async ({ ground, legalBasis, ...values }) => {
      // the citation names the ground's item; the hub adds 第二条 for a term
      const input = { ...values, grounds: [ground], subject, caseNumber, legalBasis: null };
      if (legalBasis && !Object.values(BASIS).includes(legalBasis)) input.legalBasis = legalBasis;
      const { data } = await busy("正在发布…", gql(PUBLISH, { input }));
      return data.sanctionEntryPublish;
    },
  );
  inputs.list.addEventListener("change", () => {
    inputs.legalBasis.value = BASIS[inputs.list.value];
    inputs.ground.replaceChildren(...groundChoices(inputs.list.value).map(([v, text]) => h("option", { value: v }, text)));
  });
}

// How an entry ends: 撤销 (第九条第一款) for any entry; 删除 on 第十条第一款's grounds without a term,
// early (第二条第二款) with one; 解除 of a consumption restriction (法释〔2015〕17号 第九条).
function endChoices(entry) {
  let grounds;
  if (entry.list === "CONSUMPTION_RESTRICTION") grounds = ["PERFORMED", "GUARANTEE", "APPLICANT_CONSENT"];
  else if (entry.termYears != null) grounds = ["EARLY"];
  else grounds = ["PERFORMED", "SETTLEMENT_PERFORMED", "APPLICANT_REQUEST", "NO_PROPERTY_FOUND", "SUSPENDED", "NOT_ENFORCED", "TERMINATED"];
  return [...grounds.map((g) => [g, label("endGround", g)]), ["WRONGLY_LISTED", label("endGround", "WRONGLY_LISTED")]];
}

export function revokeEntry(entry) {
  const choices = endChoices(entry);
  dialogForm(
    `删除 / 撤销名单信息：${entry.caseNumber}`,
    [
      ["ground", "事由", "select", choices, choices[0][0]],
      ["reason", "说明"],
    ],
    async ({ ground, reason }) => {
      if (ground === "WRONGLY_LISTED") {
        const { data } = await busy("正在撤销…", gql(ANNUL, { id: entry.id, reason }));
        return data.sanctionEntryAnnul;
      }
      const { data } = await busy("正在删除…", gql(DELETE, { id: entry.id, input: { ground, reason } }));
      return data.sanctionEntryDelete;
    },
  );
}

function startOrder(asset, caseNumber) {
  const q = new URLSearchParams({ type: asset.type, id: asset.id });
  if (caseNumber) q.set("case", caseNumber);
  // an account: its available balance as the look-up answered, and its currency
  if (asset.available != null) q.set("available", asset.available);
  if (asset.currency) q.set("currency", asset.currency);
  location.hash = "#/order/new?" + q;
}

// The longest term in months by class (民诉法解释 第四百八十五条: 动产 两年, 不动产、其他财产权 三年).
// Deposits one year (民诉法解释 第四百八十五条: 冻结被执行人的银行存款的期限不得超过一年).
const MAX_TERM = { VEHICLE: 24, REAL_ESTATE: 36, EQUITY: 36, DEPOSIT: 12 };
// The measure follows the asset (查封规定 第二条): real estate 查封; a vehicle 查封 or 扣押; equity 冻结.
const KINDS = { REAL_ESTATE: ["SEIZE"], VEHICLE: ["SEIZE", "DETAIN"], EQUITY: ["FREEZE"], DEPOSIT: ["FREEZE"] };

const ASSESS = `
query Assess($case: String!, $asset: AssetInput) {
  freezeOrderAssessment(caseNumber: $case, asset: $asset) {
    outstanding seizedValue unvaluedMeasures assetValue factor threshold needsConfirmation
    measures { orderId kind assetType assetId status knownValue }
  }
}`;

const SUBMIT = `
mutation Submit($input: FreezeOrderSubmitInput!) {
  freezeOrderSubmit(input: $input) {
    order { id status rank agency expiresOn }
    errors { code message field reason rule }
  }
}`;

function payloadMessage(errors) {
  return errors.map((e) => describe({ message: e.message, extensions: { code: e.code, reason: e.reason, rule: e.rule } })).join("；");
}

export async function newOrder(params) {
  const mount = screen();
  const type = params.get("type") || "REAL_ESTATE";
  const picker = casePicker({ id: "order-case", selected: params.get("case") || "", required: true });
  await busy("正在读取我承办的案件…", picker.ready);
  const caseSelect = picker.select;
  const typeSelect = h("select", { id: "order-asset-type" }, Object.keys(MAX_TERM).map((t) => h("option", { value: t, selected: t === type }, label("asset", t))));
  const kindSelect = h("select", { id: "order-kind" });
  const kindsFor = (t) => kindSelect.replaceChildren(...(KINDS[t] || ["SEIZE"]).map((k) => h("option", { value: k }, label("kind", k))));
  kindsFor(type);
  const assetInput = h("input", { id: "order-asset-id", value: params.get("id") || "", required: true, placeholder: "不动产单元号 / 号牌号码 / 股权编号 / 存款账号" });
  // a freeze of deposits: the amount in yuan (sent as typed once its form is checked), the
  // account's currency and its available balance as the profile's look-up answered
  const currency = params.get("currency") || "CNY";
  const available = params.get("available");
  const amountInput = h("input", { id: "order-amount", inputmode: "decimal", autocomplete: "off", placeholder: "例如 50000.00" });
  const depositPart = h(
    "div",
    { id: "order-deposit" },
    h("div", { class: "row" }, field(`冻结金额（${label("currencyUnit", currency)}，最多两位小数）`, amountInput, true)),
    h(
      "p",
      { class: "muted", id: "order-available" },
      `币种：${label("currency", currency)}。`,
      available != null ? `查询时可用余额：${fmtAmount(available, currency)}。` : "",
      "冻结金额不得超过本案执行标的（《查封规定》第十九条）。银行冻结可用余额以内的金额；可用余额为零时进入轮候冻结，前序冻结解除或到期后按顺位生效。冻结期限不超过一年（民诉法解释 第四百八十五条）。",
    ),
  );
  const showDeposit = (t) => {
    depositPart.hidden = t !== "DEPOSIT";
    amountInput.required = t === "DEPOSIT";
  };
  showDeposit(type);
  const rulingInput = h("input", { id: "order-ruling", required: true, placeholder: "例如（2026）鲁0602执123号之一" });
  const termInput = h("input", { id: "order-term", type: "number", min: 1, max: MAX_TERM[type], placeholder: `默认法定最长期限 ${MAX_TERM[type]} 个月` });
  // 超标的查封 (查封规定 第十九条): the case's outstanding amount beside what is already held, and
  // a confirmation with the reason when the known total passes the threshold.
  const assessment = h("div", { id: "order-assessment", class: "muted" });
  const reasonInput = h("textarea", { id: "order-over-reason", name: "overSeizureReason", maxlength: 200, rows: 2, placeholder: "例如：被执行人无其他可供执行的财产，该财产为不可分物" });
  const confirmation = h(
    "div",
    { id: "order-confirmation", hidden: true },
    h("p", { class: "notice" }, "本次查控后，本案已查控财产的已知价值将明显超过执行标的（超标的查封，《查封规定》第十九条：不得明显超标的额查封、扣押、冻结）。如确需查控，请填写理由，理由将记入审计日志。"),
    field("超标的查封确认理由", reasonInput, true),
  );
  const needConfirmation = (yes) => {
    confirmation.hidden = !yes;
    reasonInput.required = yes;
  };
  let assessing = 0;
  async function assess() {
    const mine = (assessing += 1);
    const id = assetInput.value.trim();
    const variables = { case: caseSelect.value, asset: id ? { type: typeSelect.value, id } : null };
    try {
      const { data } = await gql(ASSESS, variables);
      if (mine !== assessing) return;
      const a = data.freezeOrderAssessment;
      const seized = a.measures.length
        ? `${fmtMoney(a.seizedValue)}（${a.measures.length} 项措施${a.unvaluedMeasures ? `，其中 ${a.unvaluedMeasures} 项价值未知` : ""}）`
        : "无";
      assessment.replaceChildren(
        h("div", { id: "order-outstanding" }, "执行标的：", h("strong", {}, fmtMoney(a.outstanding))),
        h("div", { id: "order-seized" }, "本案已查控财产已知价值：", h("strong", {}, seized)),
        typeSelect.value === "DEPOSIT"
          ? h("div", { id: "order-asset-value" }, "本财产参考价值：", h("strong", {}, "按本次冻结金额计"))
          : h("div", { id: "order-asset-value" }, "本财产参考价值：", h("strong", {}, a.assetValue == null ? (id ? "未知（登记机关无价值信息）" : "—") : fmtMoney(a.assetValue))),
        h("div", {}, `超标的提示阈值：执行标的的 ${Number(a.factor)} 倍，即 ${fmtMoney(a.threshold)}（价值按登记面积×参考单价、认缴出资额估算，仅供参考）`),
      );
      needConfirmation(a.needsConfirmation);
    } catch (e) {
      if (mine !== assessing) return;
      assessment.replaceChildren(h("div", { id: "order-assessment-error" }, e.message));
      needConfirmation(false);
    }
  }
  typeSelect.addEventListener("change", () => {
    termInput.max = MAX_TERM[typeSelect.value];
    termInput.placeholder = `默认法定最长期限 ${MAX_TERM[typeSelect.value]} 个月`;
    kindsFor(typeSelect.value);
    showDeposit(typeSelect.value);
    assess();
  });
  caseSelect.addEventListener("change", assess);
  assetInput.addEventListener("change", assess);
  const idempotencyKey = crypto.randomUUID();
  const submit = h("button", { class: "primary", type: "submit", id: "order-submit" }, "提交查控文书");
  const outcome = h("div", { id: "order-outcome" });
  const form = h(
    "form",
    {
      id: "order-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const deposit = typeSelect.value === "DEPOSIT";
        const amount = amountInput.value.trim();
        if (deposit) {
          // the form of the amount, and what the bank can freeze now (the API checks the rest)
          const refused = !amountTyped(amount) ? "AMOUNT_FORMAT" : cents(amount) <= 0n ? "AMOUNT_POSITIVE" : available != null && cents(available) > 0n && cents(amount) > cents(available) ? "AMOUNT_ABOVE_AVAILABLE" : null;
          if (refused) {
            notice(payloadMessage(inputRefusal(refused).errors));
            amountInput.focus();
            return;
          }
        }
        submit.disabled = true;
        try {
          const input = {
            kind: kindSelect.value,
            asset: { type: typeSelect.value, id: assetInput.value.trim() },
            caseNumber: caseSelect.value,
            rulingNumber: rulingInput.value.trim(),
            termMonths: termInput.value ? Number(termInput.value) : null,
            idempotencyKey,
          };
          if (!confirmation.hidden && reasonInput.value.trim()) input.overSeizureReason = reasonInput.value.trim();
          if (deposit) Object.assign(input, { amount, currency });
          const { data } = await busy("正在提交并送达协助执行机关…", gql(SUBMIT, { input }));
          const payload = data.freezeOrderSubmit;
          if (payload.errors.length) {
            if (payload.errors.some((e) => e.rule === "OVER_SEIZURE")) needConfirmation(true);
            notice(payloadMessage(payload.errors));
            return;
          }
          notice(null);
          outcome.replaceChildren(
            card("已提交", h("p", { id: "order-created" }, `文书编号 ${payload.order.id}，当前状态：`, statusBadge(payload.order.status), deposit ? `。将送达${agencyName(payload.order.agency)}，由银行系统登记冻结并回执。` : `。将送达${agencyName(payload.order.agency)}，待其登记回执。`), h("a", { href: "#/orders" }, "查看我的查控文书")),
          );
          form.replaceChildren();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "row" }, field("执行案件", picker.element, true), field("措施", kindSelect)),
    h("div", { class: "row" }, field("财产类型", typeSelect), field("财产编号", assetInput, true)),
    depositPart,
    h("div", { class: "row" }, field("裁定书文号", rulingInput, true), field("期限（月，按法院所在地日历计算）", termInput)),
    assessment,
    confirmation,
    h("div", { class: "row" }, submit, h("button", { type: "button", class: "secondary", onclick: () => history.back() }, "返回")),
  );
  mount(h("h1", {}, "发起查封 / 扣押 / 冻结"), card(null, h("p", { class: "muted" }, "财产须登记在本案被执行人（保全案件为被保全人）名下；不动产查封，车辆查封或扣押，股权和银行存款冻结；本案对同一财产只能有一项措施；他案已查控的（包括登记机关在府院通之外登记的），本次进入轮候，顺位按协助执行通知书送达登记机关的时间先后排列。"), form), outcome);
  if (caseSelect.value) assess();
}

const ORDERS = `
query Orders($filter: FreezeOrderFilter, $after: String) {
  freezeOrders(filter: $filter, first: 50, after: $after) {
    nodes { id kind assetType assetId agency ownerId caseNumber rulingNumber termMonths termDays status rank
      submittedAt deliveredAt effectiveFrom expiresOn receiptNumber closedReason renewals amount frozenAmount currency
      waitingLine { orderId court courtCode caseNumber rank status outsideHub } }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

const RELEASE = `
mutation Release($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code message field reason rule } }
}`;

const RENEW = `
mutation Renew($id: String!, $input: FreezeOrderRenewInput!) {
  freezeOrderRenew(id: $id, input: $input) { order { id status expiresOn } errors { code message field reason rule } }
}`;

export async function orders(params) {
  const mount = screen();
  const expiring = params.get("expiring") === "30";
  const caseNumber = params.get("case");
  const filter = {};
  if (expiring) filter.expiringWithinDays = 30;
  if (caseNumber) filter.caseNumber = caseNumber;
  const tabs = h(
    "div",
    { class: "tabs" },
    h("a", { href: "#/orders", class: !expiring ? "active" : null }, "全部"),
    h("a", { href: "#/orders?expiring=30", class: expiring ? "active" : null, id: "tab-expiring" }, "30 天内到期"),
  );
  const soon = daysFrom(today(), 30);
  const list = await pagedList({
    id: "orders-list",
    unit: "件",
    loading: "正在读取查控文书…",
    fetchPage: async (after) => (await gql(ORDERS, { filter, after })).data.freezeOrders,
    render: (nodes) =>
      table(
        ["措施与财产", "案号", "状态 / 顺位", "送达时间", "期限", "起止", "回执 / 说明", ""],
        nodes.map((o) => [
          h("div", {}, label("kind", o.kind), " ", label("asset", o.assetType), h("br"), h("small", {}, o.assetId), depositAmounts(o)),
          o.caseNumber,
          h("div", {}, statusBadge(o.status), rankBadge(o), ahead(o)),
          o.deliveredAt ? fmtDateTime(o.deliveredAt) : "—",
          h("div", {}, termText(o), o.renewals ? `（已续 ${o.renewals} 次）` : ""),
          o.effectiveFrom ? `${o.effectiveFrom} 至 ${o.expiresOn}` : "—",
          h("div", {}, o.receiptNumber || "—", o.closedReason ? h("div", { class: "muted" }, o.closedReason) : null),
          actions(o),
        ]),
        (i) => {
          const o = nodes[i];
          return { class: o.expiresOn && o.expiresOn <= soon && o.status === "EFFECTIVE" ? "flagged" : null, dataset: { order: o.id } };
        },
      ),
  });
  mount(
    h("h1", {}, caseNumber ? `查控文书：${caseNumber}` : "我的查控文书"),
    tabs,
    card(null, h("p", { class: "muted" }, "顺位按协助执行通知书送达协助执行机关的时间先后排列（法发〔2004〕5号 第二十条），登记机关此前已登记的查封、冻结排在前面。标黄的文书将在 30 天内到期，请在期限届满前的续行期内办理续行。"), list),
  );
  // statuses change as agencies answer: the list follows them
  onLeave(follow("subscription Mine { freezeOrderEvents { orderId event } }", {}, reloadSoon));
}

/** A freeze of deposits: the amount asked and what the bank holds for it now. */
export function depositAmounts(o) {
  if (o.assetType !== "DEPOSIT" || o.amount == null) return null;
  return h(
    "div",
    { class: "amounts" },
    `冻结金额 ${fmtAmount(o.amount, o.currency || "CNY")}`,
    o.frozenAmount != null ? `，银行现冻结 ${fmtAmount(o.frozenAmount, o.currency || "CNY")}` : "",
  );
}

/** Who is ahead of a waiting order in its asset's line, the agency's own measures marked. */
function ahead(o) {
  if (o.status !== "WAITING" || !o.waitingLine) return null;
  const before = o.waitingLine.filter((w) => w.orderId !== o.id && (o.rank == null || (w.rank != null && w.rank < o.rank)));
  if (!before.length) return null;
  return h(
    "details",
    { class: "line" },
    h("summary", {}, `前序 ${before.length} 项`),
    before.map((w) =>
      h("div", { dataset: { outside: w.outsideHub ? "1" : "0" } }, `第 ${w.rank ?? "—"} 顺位 `, w.court || (w.courtCode ? courtName(w.courtCode) : ""), ` ${w.caseNumber} `, statusBadge(w.status), w.outsideHub ? badge("登记机关在册（非经府院通）") : null),
    ),
  );
}

/** What an order is, in one line: the measure, the asset, the document and the case. */
function orderSummary(o) {
  return h(
    "dl",
    { class: "kv order-summary" },
    h("dt", {}, "措施"), h("dd", {}, `${label("kind", o.kind)}${label("asset", o.assetType)}`),
    h("dt", {}, "财产编号"), h("dd", { "data-field": "assetId" }, o.assetId),
    h("dt", {}, "文书编号"), h("dd", { "data-field": "orderId" }, o.id),
    h("dt", {}, "案号"), h("dd", {}, o.caseNumber),
    h("dt", {}, "协助执行机关"), h("dd", {}, agencyName(o.agency)),
    h("dt", {}, "状态"), h("dd", {}, statusBadge(o.status), " ", rankBadge(o)),
    o.expiresOn ? [h("dt", {}, "期限"), h("dd", {}, `${o.effectiveFrom || "—"} 至 ${o.expiresOn}`)] : null,
  );
}

function actions(o) {
  if (!["EFFECTIVE", "WAITING"].includes(o.status)) return "";
  const what = `${label("kind", o.kind)}${label("asset", o.assetType)} ${o.assetId}`;
  const release = h("button", {
    type: "button", class: "danger", dataset: { release: o.id }, onclick: () => dialogForm(`解除${label("kind", o.kind)}：${what}`, [["rulingNumber", "解除裁定书文号"], ["reason", "解除原因"]], async (values) => {
      const { data } = await busy("正在提交解除…", gql(RELEASE, { id: o.id, input: values }));
      return data.freezeOrderRelease;
    }, orderSummary(o)),
  }, "解除");
  const renew = o.status === "EFFECTIVE" ? h("button", {
    type: "button", class: "secondary", dataset: { renew: o.id }, onclick: () => dialogForm(`续行${label("kind", o.kind)}：${what}`, [["rulingNumber", "续行裁定书文号"]], async (values) => {
      const { data } = await busy("正在提交续行…", gql(RENEW, { id: o.id, input: values }));
      return data.freezeOrderRenew;
    }, orderSummary(o)),
  }, "续行") : null;
  const deduction = o.status === "EFFECTIVE" && o.assetType === "DEPOSIT" ? h("button", { type: "button", class: "danger", dataset: { deduct: o.id }, onclick: () => deduct(o) }, "扣划") : null;
  return h("div", { class: "row" }, deduction, renew, release);
}

/**
 * A small modal form; `run` returns a payload {order, errors}; success reloads the page. `intro`
 * says what the form acts on (shown above the fields).
 */
export function dialogForm(title, fields, run, intro = null) {
  const control = ([name, , type, choices, value]) =>
    type === "select"
      ? h("select", { name, required: true }, choices.map(([v, text]) => h("option", { value: v, selected: v === value }, text)))
      : h("input", { name, required: true, type: type || "text", value: value ?? null });
  const inputs = Object.fromEntries(fields.map((f) => [f[0], control(f)]));
  const ok = h("button", { class: "primary", type: "submit" }, "确定");
  const message = h("p", { class: "denied-block", role: "alert" });
  const dialog = h(
    "dialog",
    {},
    h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          ok.disabled = true;
          try {
            const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.type === "datetime-local" ? courtInstant(el.value) : el.value.trim()]));
            const payload = await run(values);
            if (payload.errors.length) {
              message.textContent = payloadMessage(payload.errors);
              return;
            }
            dialog.close();
            flash(payload.done || "已办理", "ok");
            window.dispatchEvent(new HashChangeEvent("hashchange"));
          } catch (err) {
            message.textContent = err.message;
          } finally {
            ok.disabled = false;
          }
        },
      },
      h("h2", {}, title),
      intro,
      fields.map(([name, text]) => field(text, inputs[name], true)),
      message,
      h("div", { class: "row" }, ok, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "取消")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, inputs };
}
