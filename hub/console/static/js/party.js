// The enterprise party's portal (企业纾困360): its cases, the measures on its assets and its
// entries on the sanction lists, read from `myEnterprise` (the enterprise is the token's own:
// the query names nobody), in plain words for a reader who is no lawyer. Each list is a table on
// a desktop and a stack of cards on a phone (table.stack in console.css).

import { gql } from "./api.js";
import { label } from "./labels.js";
import { endsOnText } from "./profile.js";
import { badge, busy, card, fmtMoney, h, rankBadge, screen, statusBadge, termText, today } from "./ui.js";

const CASES = `
query MyCases {
  myEnterprise {
    uscc
    cases { caseNumber courtCode courtName kind cause status filedOn closedOn amount role judges { name role } }
  }
}`;

const MEASURES = `
query MyMeasures {
  myEnterprise {
    uscc
    measures { id kind assetType assetId courtCode courtName caseNumber status rank effectiveFrom expiresOn termMonths termDays renewals }
  }
}`;

// the cases only to name the court of an entry (the party may not read the court table)
const CREDIT = `
query MyCredit {
  myEnterprise {
    uscc
    cases { caseNumber courtCode courtName }
    sanctions { id list courtCode caseNumber obligation publishedOn status revokedOn grounds termYears endsOn endGround }
  }
}`;

// --- plain words -------------------------------------------------------------------------------
// One short sentence per term, with the rule it restates (instrument and article).

const ROLE_WORDS = {
  申请执行人: "申请执行人：向法院申请强制执行、要求对方履行义务的一方。",
  被执行人: "被执行人：须按法院生效文书履行义务（例如付款）的一方。",
};

const MEASURE_WORDS = [
  ["查封、扣押、冻结", "法院为保证执行，禁止被执行人转让、抵押或以其他方式处分这项财产；财产仍归本企业所有，但处分行为不能对抗申请执行人。", "《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》第二十四条"],
  ["轮候", "同一财产已被其他法院先查封时，后来的查封排队登记；排在前面的解除后，排在最前的一项自动生效。", "同一规定第二十六条"],
  ["顺位", "排队的先后次序，按法院文书送达登记机关的先后确定；第 1 顺位是正在生效的那一项。", "同一规定第二十六条"],
  ["期限", "查封、冻结都有期限（存款一年，动产两年，不动产和股权三年），期满前法院可以续行，期满未续行的自动失效。", "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第四百八十五条"],
];

const CREDIT_WORDS = [
  ["失信被执行人名单", "被执行人有履行能力而拒不履行等情形的，法院将其纳入名单并公布，有关部门会在招标投标、融资信贷、行政审批等方面予以限制。", "法释〔2017〕7号 第一条"],
  ["限制消费（限高）", "被执行人未按执行通知履行的，法院可以限制其高消费，例如乘坐飞机、列车软卧，在星级以上宾馆消费；企业被限制的，其法定代表人、主要负责人等也受限制。", "法释〔2015〕17号 第一条、第三条"],
  ["截止日期", "失信名单有期限的，到截止日期后不再限制；因“有履行能力而拒不履行”被纳入的，履行完毕后删除。", "法释〔2017〕7号 第二条、第十条"],
];

function explain(id, words) {
  return h(
    "details",
    { class: "explain", id, open: true },
    h("summary", {}, "这些词是什么意思"),
    h(
      "dl",
      {},
      words.map(([term, text, basis]) => [
        h("dt", {}, term),
        h("dd", {}, text, basis ? h("small", { class: "basis" }, `依据：${basis}`) : null),
      ]),
    ),
  );
}

// --- a list that is a table on a desktop and cards on a phone ----------------------------------

/**
 * `columns`: [[field, heading]]; `rows`: objects of field -> content. Each cell carries its
 * heading (`data-label`, shown before it as a card) and its field (`data-field`).
 */
function stack(id, columns, rows, rowAttrs, empty) {
  if (!rows.length) return h("p", { class: "empty", id }, empty);
  return h(
    "table",
    { class: "stack", id },
    h("thead", {}, h("tr", {}, columns.map(([, heading]) => h("th", { scope: "col" }, heading)))),
    h(
      "tbody",
      {},
      rows.map((row, i) =>
        h(
          "tr",
          rowAttrs(i),
          columns.map(([name, heading]) => h("td", { dataset: { label: heading, field: name } }, h("div", {}, row[name] == null || row[name] === "" ? "—" : row[name]))),
        ),
      ),
    ),
  );
}

function group(id, title, count, unit, ...children) {
  return h("section", { class: "card party-group", id }, h("h2", {}, title, h("small", { class: "count" }, `${count} ${unit}`)), ...children);
}

function heading(title, uscc) {
  return [h("h1", {}, title), h("p", { class: "muted", id: "party-enterprise" }, `本企业统一社会信用代码 ${uscc}`)];
}

// --- 我的案件 ----------------------------------------------------------------------------------

const CASE_COLUMNS = [
  ["caseNumber", "案号"],
  ["court", "法院"],
  ["status", "案件状态"],
  ["amount", "执行标的"],
  ["judges", "承办法官"],
  ["kind", "案件类型"],
  ["cause", "案由"],
  ["filedOn", "立案日期"],
  ["closedOn", "结案日期"],
];

function judgesText(judges) {
  if (!judges.length) return "尚未指定";
  return judges.map((j) => `${j.name || "姓名未登记"}（${j.role}）`).join("、");
}

export async function cases() {
  const mount = screen();
  const { data } = await busy("正在读取本企业的案件…", gql(CASES));
  const { uscc, cases: all } = data.myEnterprise;
  // respondent first: what the enterprise must do comes before what it is owed
  const roles = [...new Set(["被执行人", "申请执行人", ...all.map((c) => c.role)])].filter((r) => all.some((c) => c.role === r));
  mount(
    heading("我的案件", uscc),
    h("p", { id: "party-cases-total", class: "list-total" }, `本企业作为当事人的执行案件共 ${all.length} 件。`),
    all.length ? null : card(null, h("p", { class: "empty", id: "party-cases" }, "本企业目前没有作为当事人的执行案件。")),
    roles.map((role) => {
      const mine = all.filter((c) => c.role === role);
      return group(
        `party-cases-${role === "被执行人" ? "respondent" : role === "申请执行人" ? "applicant" : "other"}`,
        `本企业是${role}的案件`,
        mine.length,
        "件",
        ROLE_WORDS[role] ? h("p", { class: "muted" }, ROLE_WORDS[role]) : null,
        stack(
          null,
          CASE_COLUMNS,
          mine.map((c) => ({
            caseNumber: c.caseNumber,
            court: c.courtName,
            status: badge(label("caseStatus", c.status), c.status === "OPEN" ? "warn" : "ok"),
            amount: fmtMoney(c.amount),
            judges: judgesText(c.judges),
            kind: c.kind,
            cause: c.cause,
            filedOn: c.filedOn,
            closedOn: c.closedOn || (c.status === "OPEN" ? "尚未结案" : null),
          })),
          (i) => ({ dataset: { case: mine[i].caseNumber, role } }),
          "无记录",
        ),
      );
    }),
  );
}

// --- 我的财产上的措施 --------------------------------------------------------------------------

const MEASURE_GROUPS = [
  ["party-measures-effective", "正在生效的措施", ["EFFECTIVE"], "财产现在受到限制，不能转让或抵押。"],
  ["party-measures-waiting", "轮候中的措施（排队等待生效）", ["WAITING"], "财产上已有其他法院的措施在先，这些措施排队等待，前面的解除后依次生效。"],
  ["party-measures-ended", "已结束的措施", ["RELEASED", "EXPIRED"], "已解除或期限届满，不再限制这项财产。"],
];

const MEASURE_COLUMNS = [
  ["measure", "措施"],
  ["asset", "财产"],
  ["status", "状态"],
  ["rank", "顺位"],
  ["court", "法院"],
  ["caseNumber", "案号"],
  ["effectiveFrom", "生效日期"],
  ["expiresOn", "到期日"],
  ["term", "期限"],
  ["renewals", "续行"],
];

export async function measures() {
  const mount = screen();
  const { data } = await busy("正在读取本企业财产上的措施…", gql(MEASURES));
  const { uscc, measures: all } = data.myEnterprise;
  mount(
    heading("我的财产上的措施", uscc),
    h("p", { id: "party-measures-total", class: "list-total" }, `法院对本企业财产采取、并已由登记机关登记的查封、扣押、冻结共 ${all.length} 项。`),
    explain("party-measures-words", MEASURE_WORDS),
    MEASURE_GROUPS.map(([id, title, statuses, words]) => {
      const mine = all.filter((m) => statuses.includes(m.status));
      return group(
        id,
        title,
        mine.length,
        "项",
        h("p", { class: "muted" }, words),
        stack(
          null,
          MEASURE_COLUMNS,
          mine.map((m) => ({
            measure: label("kind", m.kind),
            asset: h("span", {}, label("asset", m.assetType), " ", h("span", { class: "ident" }, m.assetId)),
            status: statusBadge(m.status),
            rank: rankBadge(m) || "—",
            court: m.courtName,
            caseNumber: m.caseNumber,
            effectiveFrom: m.effectiveFrom || (m.status === "WAITING" ? "尚未生效" : null),
            expiresOn: m.expiresOn,
            term: termText(m),
            renewals: m.renewals ? `已续行 ${m.renewals} 次` : "未续行",
          })),
          (i) => ({ dataset: { measure: mine[i].id, status: mine[i].status } }),
          "没有这类措施。",
        ),
      );
    }),
  );
}

// --- 我的信用信息 ------------------------------------------------------------------------------

const CREDIT_COLUMNS = [
  ["list", "名单"],
  ["status", "状态"],
  ["grounds", "纳入情形"],
  ["obligation", "须履行的义务"],
  ["court", "法院"],
  ["caseNumber", "案号"],
  ["publishedOn", "发布日期"],
  ["term", "纳入期限"],
  ["endsOn", "截止日期"],
  ["ended", "结束日期及原因"],
];

/** Whether an entry restricts now: in force, and its term (if any) not yet over. */
function restricting(s, day) {
  return s.status === "ACTIVE" && (s.endsOn == null || s.endsOn >= day);
}

function endedText(s, day) {
  if (s.status === "ACTIVE" && s.endsOn != null && s.endsOn < day) {
    // 法释〔2017〕7号 第十条第二款: removed within three working days after the term
    return "纳入期限已届满，不再限制；法院将在三个工作日内删除";
  }
  if (s.status === "ACTIVE") return null;
  return [s.revokedOn, s.endGround ? label("endGround", s.endGround) : null].filter(Boolean).join("，") || null;
}

export async function credit() {
  const mount = screen();
  const { data } = await busy("正在读取本企业的信用信息…", gql(CREDIT));
  const { uscc, cases: known, sanctions: all } = data.myEnterprise;
  const courtOf = new Map(known.map((c) => [c.courtCode, c.courtName]));
  const day = today();
  const groups = [
    ["party-credit-active", "目前在名单上", all.filter((s) => restricting(s, day)), "正在限制本企业。履行义务后，可以联系承办法院申请删除或解除。"],
    ["party-credit-ended", "已不在名单上", all.filter((s) => !restricting(s, day)), "已删除、解除、撤销或期限届满，不再限制本企业。"],
  ];
  mount(
    heading("我的信用信息", uscc),
    h("p", { id: "party-credit-total", class: "list-total" }, `本企业在失信被执行人名单、限制消费名单上的记录共 ${all.length} 条。`),
    explain("party-credit-words", CREDIT_WORDS),
    groups.map(([id, title, entries, words]) =>
      group(
        id,
        title,
        entries.length,
        "条",
        h("p", { class: "muted" }, words),
        stack(
          null,
          CREDIT_COLUMNS,
          entries.map((s) => ({
            list: label("list", s.list),
            status: statusBadge(s.status),
            grounds: (s.grounds || []).map((g) => label("ground", g)).join("、"),
            obligation: s.obligation,
            court: courtOf.get(s.courtCode),
            caseNumber: s.caseNumber,
            publishedOn: s.publishedOn,
            term: s.termYears != null ? `${s.termYears} 年` : "无固定期限",
            endsOn: s.endsOn || endsOnText(s),
            ended: endedText(s, day),
          })),
          (i) => ({ dataset: { entry: entries[i].id, status: entries[i].status } }),
          "没有这类记录。",
        ),
      ),
    ),
  );
}
