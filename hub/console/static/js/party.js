// The enterprise party's portal (企业纾困360): its cases, the measures on its assets, its
// entries on the sanction lists, its requests (诉求反映) and what the courts published, read from
// `myEnterprise` (the enterprise is the token's own: the query names nobody), in plain words for
// a reader who is no lawyer. Each list is a table on
// a desktop and a stack of cards on a phone (table.stack in console.css).

import { describe, gql } from "./api.js";
import { label } from "./labels.js";
import { endsOnText } from "./profile.js";
import { badge, busy, card, field, flash, fmtDateTime, fmtMoney, h, rankBadge, screen, stack, statusBadge, termText, today } from "./ui.js";

const CASES = `
query MyCases {
  myEnterprise {
    uscc
    cases { caseNumber courtCode courtName kind cause status filedOn closedOn amount role deducted judges { name role } }
  }
}`;

const MEASURES = `
query MyMeasures {
  myEnterprise {
    uscc
    measures { id kind assetType assetId courtCode courtName caseNumber status rank effectiveFrom expiresOn termMonths termDays renewals amount frozenAmount currency deducted }
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
  ["扣划", "法院作出裁定后，银行把已冻结的存款划到法院的执行款账户，冻结的金额随之减少；这笔钱再由法院发放给申请执行人。", "《中华人民共和国民事诉讼法》第二百五十三条"],
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
  ["deducted", "已扣划到法院执行款账户"],
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
            deducted: fmtMoney(c.deducted),
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
  ["money", "冻结金额"],
  ["deducted", "已扣划"],
];

// a freeze of deposits: what was asked, and what the bank holds now (less once deducted)
function moneyText(m) {
  if (m.assetType !== "DEPOSIT" || m.amount == null) return null;
  const asked = `申请冻结 ${fmtMoney(m.amount)}`;
  return m.frozenAmount == null ? asked : `${asked}，银行现冻结 ${fmtMoney(m.frozenAmount)}`;
}

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
            money: moneyText(m),
            deducted: m.assetType === "DEPOSIT" ? fmtMoney(m.deducted) : null,
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

// --- 我的诉求（诉求反映） ----------------------------------------------------------------------
// The party's requests to the judges of its cases, and a form to file one. 申请解除 and 信用修复
// are the respondent's (被执行人; 被保全人 in 执保): the measures and list entries of a case are on
// it (民事诉讼法 第二百五十三条至第二百五十五条; 法释〔2017〕7号 第一条) — the form offers them only
// for a case where the enterprise is the respondent, and the API refuses them otherwise
// (RESPONDENT_ONLY). Attachments are named and hashed (SHA-256) in the browser; the files stay here.

const REQUESTS = `
query MyRequests {
  myEnterprise {
    uscc
    cases { caseNumber courtName role status }
    requests {
      id caseNumber courtCode kind role text attachments { name sha256 } status filedAt
      answer answeredAt releasedOrders endedEntries
    }
  }
}`;

const FILE_REQUEST = `
mutation FileRequest($input: PartyRequestFileInput!) {
  partyRequestFile(input: $input) {
    request { id status }
    errors { code message field reason rule }
  }
}`;

const RESPONDENT_ROLES = ["被执行人", "被保全人"];
const ALL_KINDS = ["RELEASE", "PERFORMANCE", "CREDIT_REPAIR", "OTHER"];
const EITHER_KINDS = ["PERFORMANCE", "OTHER"];
// the hub's limits (hub.parties.rules: MAX_TEXT, MAX_ATTACHMENTS, an attachment's name)
const MAX_TEXT = 2000;
const MAX_ATTACHMENTS = 10;
const MAX_NAME = 128;

/** The kinds a party may file in a case, by its part in it (RESPONDENT_KINDS in the hub). */
export function kindsFor(roles) {
  return roles.some((r) => RESPONDENT_ROLES.includes(r)) ? ALL_KINDS : EITHER_KINDS;
}

const REQUEST_WORDS = [
  ["申请解除", "请求法院解除对本企业财产的查封、扣押、冻结。只有本案被执行人（被保全人）可以提出；法官准许时须作出解除裁定。", "《民事诉讼法》第二百五十三条至第二百五十五条"],
  ["申请履行", "请求法院督促对方履行生效法律文书确定的义务，或说明本企业的履行情况。双方当事人都可以提出。", null],
  ["信用修复", "本企业已履行义务的，请求法院删除失信被执行人名单信息、解除限制消费。只有本案被执行人可以提出；法官准许后，本案的名单信息依规定删除或解除。", "法释〔2017〕7号 第二条第二款、第十条；法释〔2015〕17号 第九条"],
  ["附件", "所选文件不会离开您的设备：浏览器只计算每个文件的 SHA-256 指纹，连同文件名一起提交。法官查看您另行提交的文件时，可以用指纹核对是否就是这一份。", null],
];

const REQUEST_COLUMNS = [
  ["caseNumber", "案号"],
  ["kind", "诉求类型"],
  ["role", "本企业身份"],
  ["status", "办理状态"],
  ["filedAt", "提交时间"],
  ["text", "诉求内容"],
  ["attachments", "附件"],
  ["answer", "法官答复"],
  ["answeredAt", "答复时间"],
  ["effects", "办理结果"],
];

function requestBadge(status) {
  const kind = { OPEN: "warn", GRANTED: "ok", REFUSED: "bad" }[status] || "";
  return badge(label("requestStatus", status), kind);
}

function attachmentList(attachments) {
  if (!attachments.length) return null;
  return h(
    "ul",
    { class: "attachments" },
    attachments.map((a) => h("li", { dataset: { sha256: a.sha256 } }, a.name, h("br"), h("small", { class: "ident" }, `SHA-256 ${a.sha256}`))),
  );
}

/** What a granted request did: the measures released, the list entries ended. */
export function effectsText(r) {
  const done = [];
  if (r.releasedOrders.length) done.push(`已解除查控措施 ${r.releasedOrders.length} 项（${r.releasedOrders.join("、")}）`);
  if (r.endedEntries.length) done.push(`已删除或解除名单信息 ${r.endedEntries.length} 条（${r.endedEntries.join("、")}）`);
  if (done.length) return done.join("；");
  return r.status === "OPEN" ? "等待法官答复" : null;
}

/** A file's SHA-256 as 64 lower-case hexadecimal characters, computed here (the file is not sent). */
async function sha256(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function newRequestId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function requestForm(cases) {
  const caseSelect = h(
    "select",
    { id: "request-case", name: "caseNumber", required: true },
    cases.map((c) => h("option", { value: c.caseNumber }, `${c.caseNumber}（本企业是${c.role}）`)),
  );
  const kindSelect = h("select", { id: "request-kind", name: "kind", required: true });
  const rolesOf = (number) => cases.filter((c) => c.caseNumber === number).map((c) => c.role);
  const offerKinds = () => {
    const chosen = kindSelect.value;
    const kinds = kindsFor(rolesOf(caseSelect.value));
    kindSelect.replaceChildren(...kinds.map((k) => h("option", { value: k, selected: k === chosen }, label("requestKind", k))));
    kindHint.textContent = kinds.length === ALL_KINDS.length ? "" : "本企业在此案中是申请执行人：申请解除和信用修复只能由被执行人提出。";
  };
  const kindHint = h("small", { class: "muted", id: "request-kind-hint" });
  const text = h("textarea", { id: "request-text", name: "text", required: true, maxlength: MAX_TEXT, rows: 5, placeholder: "请写明您的诉求和理由，例如已于某日履行全部付款义务。" });
  const files = h("input", { id: "request-files", type: "file", multiple: true });
  const chosen = h("ul", { class: "attachments", id: "request-attachments" });
  let attachments = [];
  let hashing = Promise.resolve();
  const message = h("p", { class: "denied-block", role: "alert", id: "request-message" });
  files.addEventListener("change", () => {
    const list = [...files.files];
    attachments = [];
    chosen.replaceChildren();
    message.textContent = "";
    if (list.length > MAX_ATTACHMENTS) {
      message.textContent = `附件最多 ${MAX_ATTACHMENTS} 个，请重新选择。`;
      files.value = "";
      return;
    }
    if (!(globalThis.crypto && crypto.subtle)) {
      message.textContent = "此浏览器无法在本机计算文件指纹（本页须通过安全连接打开），请不选附件提交。";
      files.value = "";
      return;
    }
    hashing = Promise.all(
      list.map(async (file) => {
        const digest = await sha256(file);
        return { name: file.name.slice(0, MAX_NAME), sha256: digest };
      }),
    ).then((done) => {
      attachments = done;
      chosen.replaceChildren(...done.map((a) => h("li", { dataset: { sha256: a.sha256 } }, a.name, h("br"), h("small", { class: "ident" }, `SHA-256 ${a.sha256}`))));
    });
  });
  // one id per form shown: pressing 提交 twice files one request (clientRequestId)
  const clientRequestId = newRequestId();
  const submit = h("button", { class: "primary", type: "submit", id: "request-submit" }, "提交诉求");
  const form = h(
    "form",
    {
      id: "request-form",
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        message.textContent = "";
        try {
          await hashing;
          const input = { caseNumber: caseSelect.value, kind: kindSelect.value, text: text.value.trim(), attachments, clientRequestId };
          if (!input.text) {
            message.textContent = "请填写诉求内容。";
            return;
          }
          const { data } = await busy("正在提交诉求…", gql(FILE_REQUEST, { input }));
          const payload = data.partyRequestFile;
          if (payload.errors.length) {
            message.textContent = payloadMessage(payload.errors);
            return;
          }
          flash(`诉求已提交（编号 ${payload.request.id}），承办法官答复后会显示在下方。`, "ok");
          window.dispatchEvent(new HashChangeEvent("hashchange"));
        } catch (err) {
          message.textContent = err.message;
        } finally {
          submit.disabled = false;
        }
      },
    },
    field("案件", caseSelect, true),
    field("诉求类型", kindSelect, true),
    kindHint,
    field(`诉求内容（最多 ${MAX_TEXT} 字）`, text, true),
    field(`附件（可选，最多 ${MAX_ATTACHMENTS} 个）`, files, true),
    h("p", { class: "muted", id: "request-files-note" }, "文件不会上传：浏览器只在您的设备上计算每个文件的 SHA-256 指纹，提交的只是文件名和指纹。"),
    chosen,
    message,
    h("div", { class: "row" }, submit),
  );
  caseSelect.addEventListener("change", offerKinds);
  offerKinds();
  return form;
}

export function payloadMessage(errors) {
  return errors.map((e) => describe({ message: e.message, extensions: { code: e.code, reason: e.reason, rule: e.rule } })).join("；");
}

export async function requests() {
  const mount = screen();
  const { data } = await busy("正在读取本企业的诉求…", gql(REQUESTS));
  const { uscc, cases: known, requests: all } = data.myEnterprise;
  mount(
    heading("我的诉求", uscc),
    explain("party-requests-words", REQUEST_WORDS),
    card(
      "向承办法官反映诉求",
      known.length
        ? requestForm(known)
        : h("p", { class: "empty", id: "request-form" }, "本企业目前没有作为当事人的执行案件，无法提交诉求。"),
    ),
    group(
      "party-requests",
      "已提交的诉求",
      all.length,
      "件",
      h("p", { class: "muted" }, "按提交时间排列，最新的在前。"),
      stack(
        null,
        REQUEST_COLUMNS,
        all.map((r) => ({
          caseNumber: r.caseNumber,
          kind: label("requestKind", r.kind),
          role: r.role,
          status: requestBadge(r.status),
          filedAt: fmtDateTime(r.filedAt),
          text: h("span", { class: "pre" }, r.text),
          attachments: attachmentList(r.attachments) || "无",
          answer: r.answer ? h("span", { class: "pre" }, r.answer) : "尚未答复",
          answeredAt: r.answeredAt ? fmtDateTime(r.answeredAt) : null,
          effects: effectsText(r),
        })),
        (i) => ({ dataset: { request: all[i].id, status: all[i].status } }),
        "本企业还没有提交过诉求。",
      ),
    ),
  );
}

// --- 法院公开信息 ------------------------------------------------------------------------------

const DOCUMENTS = `
query MyDocuments {
  myEnterprise {
    uscc
    documents { id caseNumber courtName kind title text publishedAt }
  }
}`;

const DOCUMENT_WORDS = [
  ["裁判文书公开", "法院在互联网公布的裁定书、判决书等。公布时删除自然人的家庭住址、通讯方式、身份证号码等信息。", "法释〔2016〕19号 第十条"],
  ["执行信息公开", "法院公开的执行案件信息：案号、执行法院、立案日期、执行标的和案件状态等。", null],
];

export async function documents() {
  const mount = screen();
  const { data } = await busy("正在读取法院公开的信息…", gql(DOCUMENTS));
  const { uscc, documents: all } = data.myEnterprise;
  // newest first (the API lists them so; kept here whatever the order it gives)
  const docs = [...all].sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt));
  mount(
    heading("法院公开信息", uscc),
    h("p", { id: "party-documents-total", class: "list-total" }, `法院就本企业的案件公开的裁判文书和执行信息共 ${docs.length} 件，最新的在前。`),
    explain("party-documents-words", DOCUMENT_WORDS),
    docs.length
      ? docs.map((d) =>
          h(
            "article",
            { class: "card document", dataset: { document: d.id, kind: d.kind } },
            h("h2", {}, d.title),
            h(
              "dl",
              { class: "kv" },
              h("dt", {}, "类别"), h("dd", {}, badge(label("documentKind", d.kind))),
              h("dt", {}, "法院"), h("dd", {}, d.courtName || "—"),
              h("dt", {}, "案号"), h("dd", {}, d.caseNumber),
              h("dt", {}, "公开时间"), h("dd", {}, fmtDateTime(d.publishedAt)),
            ),
            h("div", { class: "pre document-text" }, d.text),
          ),
        )
      : card(null, h("p", { class: "empty", id: "party-documents" }, "法院还没有就本企业的案件公开信息。")),
  );
}
