// The judge's asynchronous 查控 requests (存款查控请求): the list of the requests of the judge's cases
// (depositInquiries), the form that files one for 被执行人 of an open case (depositInquiryFile),
// and a request's page: every bank's state, followed live over the websocket
// (depositInquiryProgress), and each bank's answer per subject (depositInquiry).
//
// 《民事诉讼法》(2023) 第二百五十三条: 人民法院有权向有关单位查询被执行人的存款 … — the respondent's
// deposits only; a ruling (裁定) is what freezing and deducting need (same article), not asking.

import { describe, follow, gql } from "./api.js";
import { agencyName, label } from "./labels.js";
import { casePicker, pagedList } from "./lists.js";
import { badge, busy, card, fill, flash, fmtAmount, fmtDateTime, h, onLeave, screen, stack } from "./ui.js";

const LIST = `
query Inquiries($filter: DepositInquiryFilter, $after: String) {
  depositInquiries(filter: $filter, first: 50, after: $after) {
    nodes { id caseNumber status filedAt subjectCount banks { bank state } }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

const FILE = `
mutation FileInquiry($input: DepositInquiryFileInput!) {
  depositInquiryFile(input: $input) {
    inquiry { id status }
    errors { code message field reason rule }
  }
}`;

const READ = `
query Inquiry($id: String!) {
  depositInquiry(id: $id) {
    id caseNumber status filedAt deadline subjectCount
    banks {
      bank bankName state attempts lastError answeredAt
      results { subjectId accounts { accountNumber kind currency balance frozenAmount availableBalance branch } }
    }
  }
}`;

const PROGRESS = `
subscription Follow($id: String!) {
  depositInquiryProgress(id: $id) { inquiryId bank state answered timedOut pending done }
}`;

// the case's parties: who may be asked about (its 被执行人 / 被保全人) and the names of subjects
const CASE_PARTIES = `
query CaseParties($filter: CaseFilter) {
  assignedCases(filter: $filter, first: 20) {
    nodes { caseNumber kind status parties { role subjectKind subjectId name } }
  }
}`;

// the roles whose deposits a case reaches (hub.cases.rules.RESPONDENT_ROLE)
const RESPONDENT_ROLES = ["被执行人", "被保全人"];
const CASE_REASONS = ["CASE_UNKNOWN", "CASE_OTHER_COURT", "CASE_CLOSED", "NOT_ASSIGNED"];

const BASIS =
  "依据《民事诉讼法》第二百五十三条，人民法院有权向有关单位查询被执行人的存款情况。查询只及于本案被执行人（保全案件为被保全人）；冻结、扣划存款另须作出裁定（同条）。";

function stateBadge(state) {
  return badge(label("inquiryBankState", state), { ANSWERED: "ok", TIMED_OUT: "bad", PENDING: "warn" }[state] || "");
}

function statusBadge(status) {
  return badge(label("inquiryStatus", status), status === "DONE" ? "ok" : "warn");
}

function counts(banks) {
  const n = (s) => banks.filter((b) => b.state === s).length;
  return { answered: n("ANSWERED"), timedOut: n("TIMED_OUT"), pending: n("PENDING"), total: banks.length };
}

function countsText(c) {
  return `${c.answered} / ${c.total} 家已答复` + (c.timedOut ? `，${c.timedOut} 家超时未答复` : "") + (c.pending ? `，${c.pending} 家等待答复` : "");
}

async function caseOf(caseNumber) {
  const { data } = await gql(CASE_PARTIES, { filter: { caseNumberContains: caseNumber } });
  return data.assignedCases.nodes.find((c) => c.caseNumber === caseNumber) || null;
}

// --- the list --------------------------------------------------------------------------------

export async function list(params) {
  const mount = screen();
  const caseNumber = (params.get("case") || "").trim();
  const filter = caseNumber ? { caseNumber } : null;
  const results = card(
    null,
    h(
      "div",
      { class: "row" },
      h("a", { class: "primary", id: "inquiry-new", href: "#/inquiry/new" + (caseNumber ? "?" + new URLSearchParams({ case: caseNumber }) : "") }, "发起存款查控"),
      caseNumber ? h("a", { class: "tap", href: "#/inquiries", id: "inquiries-all" }, "显示全部案件的请求") : null,
    ),
  );
  mount(
    h("h1", {}, caseNumber ? `存款查控请求：${caseNumber}` : "存款查控请求"),
    h("p", { class: "muted" }, "您承办案件的存款查控请求，最新的在前。一次请求可查询本案多名被执行人在各家银行的存款，各银行陆续答复；点开请求查看各银行的进度和查到的账户。"),
    results,
  );
  results.append(
    await pagedList({
      id: "inquiries-list",
      unit: "件",
      loading: "正在读取存款查控请求…",
      fetchPage: async (after) => (await gql(LIST, { filter, after })).data.depositInquiries,
      render: (nodes) =>
        stack(
          "inquiries-table",
          [
            ["id", "请求编号"],
            ["caseNumber", "案号"],
            ["status", "状态"],
            ["subjects", "被执行人"],
            ["banks", "银行答复"],
            ["filedAt", "提交时间"],
          ],
          nodes.map((q) => {
            const c = counts(q.banks);
            return {
              id: h("a", { class: "tap ident", href: "#/inquiry?" + new URLSearchParams({ id: q.id }) }, q.id),
              caseNumber: q.caseNumber,
              status: statusBadge(q.status),
              subjects: `${q.subjectCount} 人`,
              banks: h("span", { dataset: { answered: c.answered, total: c.total } }, countsText(c)),
              filedAt: fmtDateTime(q.filedAt),
            };
          }),
          (i) => ({ dataset: { inquiry: nodes[i].id, status: nodes[i].status } }),
          "暂无存款查控请求",
        ),
    }),
  );
}

// --- the form --------------------------------------------------------------------------------

/** An error of the API in plain words (the payload's error, as describe() takes them). */
function errorText(e) {
  return describe({ message: e.message, extensions: { code: e.code, reason: e.reason, rule: e.rule } });
}

export async function newInquiry(params) {
  const mount = screen();
  const picker = casePicker({ id: "inquiry-case", selected: params.get("case") || "", required: true });
  await busy("正在读取我承办的案件…", picker.ready);
  const caseError = h("p", { class: "field-error", id: "inquiry-case-error", role: "alert" });
  const subjectsError = h("p", { class: "field-error", id: "inquiry-subjects-error", role: "alert" });
  const formError = h("p", { class: "field-error", id: "inquiry-error", role: "alert" });
  const subjects = h("div", { id: "inquiry-subjects", class: "subjects" });
  const submit = h("button", { class: "primary", type: "submit", id: "inquiry-submit" }, "提交查控请求");
  let boxes = []; // [checkbox, its error slot]

  const clear = () => {
    for (const el of [caseError, subjectsError, formError, ...boxes.map(([, slot]) => slot)]) el.textContent = "";
  };

  let loading = 0;
  async function loadParties() {
    const mine = (loading += 1);
    clear();
    boxes = [];
    const number = picker.select.value;
    if (!number) {
      fill(subjects, h("p", { class: "empty" }, "请先选择执行案件"));
      return;
    }
    fill(subjects, h("p", { class: "muted" }, "正在读取本案当事人…"));
    let found;
    try {
      found = await caseOf(number);
    } catch (err) {
      if (mine === loading) fill(subjects, h("p", { class: "denied-block" }, err.message));
      return;
    }
    if (mine !== loading) return;
    const parties = found ? found.parties : [];
    const respondents = parties.filter((p) => RESPONDENT_ROLES.includes(p.role));
    const others = parties.filter((p) => !RESPONDENT_ROLES.includes(p.role));
    boxes = respondents.map((p) => [
      h("input", { type: "checkbox", name: "subject", value: p.subjectId, checked: true }),
      h("span", { class: "field-error", role: "alert" }),
    ]);
    fill(
      subjects,
      respondents.length
        ? respondents.map((p, i) =>
            h(
              "div",
              { class: "subject", dataset: { subject: p.subjectId } },
              h("label", { class: "check" }, boxes[i][0], h("span", {}, h("strong", {}, p.name || "—"), `（${p.role}，${label("subject", p.subjectKind)}）`, h("br"), h("small", { class: "ident" }, p.subjectId))),
              boxes[i][1],
            ),
          )
        : h("p", { class: "empty", id: "inquiry-no-respondent" }, "本案没有被执行人（被保全人）可查询。"),
      others.length ? h("p", { class: "muted", id: "inquiry-others" }, `${others.map((p) => `${p.name || p.subjectId}（${p.role}）`).join("、")}不是被执行人，不能查询其存款。`) : null,
    );
  }

  /** Where an error of the API belongs: a subject's box, the subjects, the case, or the form. */
  function place(e, chosen) {
    const m = /^subjects\[(\d+)\]$/.exec(e.field || "");
    if (m && chosen[Number(m[1])]) return chosen[Number(m[1])][1];
    if (e.field === "subjects") return subjectsError;
    if (e.field === "caseNumber" || CASE_REASONS.includes(e.reason)) return caseError;
    return formError;
  }

  const form = h(
    "form",
    {
      id: "inquiry-form",
      onsubmit: async (event) => {
        event.preventDefault();
        clear();
        const chosen = boxes.filter(([box]) => box.checked);
        if (!picker.select.value) {
          caseError.textContent = "请选择执行案件";
          return;
        }
        if (!chosen.length) {
          subjectsError.textContent = "输入有误：" + label("rule", "BATCH_EMPTY");
          return;
        }
        submit.disabled = true;
        try {
          const input = { caseNumber: picker.select.value, subjects: chosen.map(([box]) => box.value) };
          const { data } = await busy("正在提交查控请求…", gql(FILE, { input }));
          const payload = data.depositInquiryFile;
          if (payload.errors.length) {
            for (const e of payload.errors) place(e, chosen).textContent = errorText(e);
            return;
          }
          flash(`已提交存款查控请求 ${payload.inquiry.id}，各银行的答复将陆续显示`, "ok");
          location.hash = "#/inquiry?" + new URLSearchParams({ id: payload.inquiry.id });
        } catch (err) {
          formError.textContent = err.message;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "row" }, h("label", { class: "field wide" }, "执行案件", picker.element), caseError),
    h("fieldset", { class: "subjects-field" }, h("legend", {}, "查询对象（本案被执行人）"), subjects, subjectsError),
    h("p", { class: "muted" }, "提交后向全部合作银行发出查询，各银行分别答复；未答复的银行自动重试，24 小时内未答复的记为超时。查询和每家银行的答复均记入审计日志。"),
    formError,
    h("div", { class: "row" }, submit, h("a", { class: "tap", href: "#/inquiries" }, "返回列表")),
  );
  picker.select.addEventListener("change", loadParties);
  mount(h("h1", {}, "发起存款查控"), card(null, h("p", { class: "muted", id: "inquiry-basis" }, BASIS), form));
  await busy("正在读取本案当事人…", loadParties());
}

// --- a request -------------------------------------------------------------------------------

function bankNote(b) {
  if (b.state === "ANSWERED") return `${fmtDateTime(b.answeredAt)} 答复`;
  if (b.state === "TIMED_OUT") return `24 小时内未答复，已停止查询（${fmtDateTime(b.answeredAt)}）`;
  if (b.lastError) return `第 ${b.attempts} 次查询未成功（${label("inquiryError", b.lastError)}），将自动重试`;
  return b.attempts ? `已查询 ${b.attempts} 次，等待答复` : "等待查询";
}

function accountCount(b) {
  return (b.results || []).reduce((n, r) => n + r.accounts.length, 0);
}

function accountsTable(accounts, caseNumber) {
  return stack(
    null,
    [
      ["accountNumber", "账号"],
      ["kind", "种类"],
      ["amounts", "余额 / 已冻结 / 可用"],
      ["action", ""],
    ],
    accounts.map((a) => ({
      accountNumber: h("span", {}, h("span", { class: "ident" }, a.accountNumber), a.branch ? h("br") : null, a.branch ? h("small", { class: "muted" }, a.branch) : null),
      kind: `${label("depositKind", a.kind)} · ${label("currency", a.currency)}`,
      amounts: h(
        "span",
        { class: "amounts" },
        `余额 ${fmtAmount(a.balance, a.currency) ?? "—"}`,
        h("br"),
        `已冻结 ${fmtAmount(a.frozenAmount, a.currency) ?? "—"}`,
        h("br"),
        `可用 ${fmtAmount(a.availableBalance, a.currency) ?? "—"}`,
      ),
      // a CNY account may be frozen from here (the order form checks the rest); foreign ones on paper
      action:
        a.currency === "CNY" && !a.accountNumber.includes("*")
          ? h("a", { class: "tap", href: "#/order/new?" + new URLSearchParams({ type: "DEPOSIT", id: a.accountNumber, case: caseNumber, available: a.availableBalance, currency: a.currency }) }, "冻结")
          : "",
    })),
    (i) => ({ dataset: { account: accounts[i].accountNumber } }),
    "无账户",
  );
}

function bankResults(b, names, caseNumber) {
  const found = (b.results || []).filter((r) => r.accounts.length);
  const none = (b.results || []).filter((r) => !r.accounts.length);
  const who = (id) => names.get(id) || id;
  let summary;
  if (b.state === "ANSWERED") summary = `${b.bankName}：已答复，查到 ${accountCount(b)} 个账户（${found.length} 人）`;
  else summary = `${b.bankName}：${label("inquiryBankState", b.state)}`;
  return h(
    "details",
    { class: "card bank-results", dataset: { bankResults: b.bank, state: b.state }, open: found.length || b.state !== "ANSWERED" ? true : null },
    h("summary", {}, stateBadge(b.state), " ", summary),
    b.state !== "ANSWERED"
      ? h("p", { class: b.state === "TIMED_OUT" ? "denied-block" : "muted" }, b.state === "TIMED_OUT" ? "该银行未在期限内答复，本次请求未取得其存款信息；需要时请重新发起查控。" : bankNote(b))
      : [
          found.map((r) =>
            h(
              "section",
              { class: "subject-accounts", dataset: { subject: r.subjectId, accounts: r.accounts.length } },
              h("h3", {}, who(r.subjectId), " ", h("small", { class: "ident" }, names.has(r.subjectId) ? r.subjectId : ""), ` · ${r.accounts.length} 个账户`),
              accountsTable(r.accounts, caseNumber),
            ),
          ),
          none.length ? h("p", { class: "muted", dataset: { without: none.length } }, `在该行无账户：${none.map((r) => who(r.subjectId)).join("、")}`) : null,
        ],
  );
}

export async function inquiry(params) {
  const mount = screen();
  const id = (params.get("id") || "").trim();
  if (!id) {
    mount(card("没有指定请求", h("p", {}, h("a", { class: "tap", href: "#/inquiries" }, "返回存款查控请求列表"))));
    return;
  }
  const { data } = await busy("正在读取查控结果…", gql(READ, { id }));
  let current = data.depositInquiry;
  const names = new Map();
  // the names of the subjects, from the case's parties (a closed case may no longer list them)
  try {
    const found = await caseOf(current.caseNumber);
    for (const p of found ? found.parties : []) names.set(p.subjectId, p.name);
  } catch {
    /* the identifiers are shown instead */
  }
  const summary = h("div", { id: "inquiry-summary" });
  const progress = h("div", { id: "inquiry-progress" });
  const banks = h("div", { id: "inquiry-banks" });
  const results = h("div", { id: "inquiry-results" });
  let left = false;

  function showProgress(list, status) {
    const c = counts(list);
    fill(
      progress,
      h("progress", { id: "inquiry-progress-bar", max: c.total, value: c.answered + c.timedOut }),
      h("p", { id: "inquiry-counts", dataset: { answered: c.answered, timedOut: c.timedOut, pending: c.pending } }, countsText(c)),
      status === "OPEN" ? h("p", { class: "muted", id: "inquiry-live" }, "各银行答复后此页自动更新。") : null,
    );
    fill(
      banks,
      h(
        "ul",
        { class: "bank-progress", id: "inquiry-bank-list" },
        list.map((b) =>
          h(
            "li",
            { dataset: { bank: b.bank, state: b.state } },
            h("div", { class: "bank-head" }, h("strong", {}, b.bankName || agencyName(b.bank)), " ", stateBadge(b.state)),
            h(
              "div",
              { class: "muted" },
              bankNote(b),
              b.state === "ANSWERED" && b.results ? `，查到 ${accountCount(b)} 个账户` : "",
            ),
          ),
        ),
      ),
    );
  }

  function show(q) {
    current = q;
    fill(
      summary,
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "请求编号"), h("dd", { class: "ident" }, q.id),
        h("dt", {}, "案号"), h("dd", {}, q.caseNumber),
        h("dt", {}, "状态"), h("dd", { id: "inquiry-status", dataset: { status: q.status } }, statusBadge(q.status)),
        h("dt", {}, "查询对象"), h("dd", {}, `被执行人 ${q.subjectCount} 人`),
        h("dt", {}, "提交时间"), h("dd", {}, fmtDateTime(q.filedAt)),
        h("dt", {}, "答复期限"), h("dd", {}, fmtDateTime(q.deadline)),
      ),
    );
    showProgress(q.banks, q.status);
    fill(results, q.banks.map((b) => bankResults(b, names, q.caseNumber)));
  }

  mount(
    h("h1", {}, "存款查控结果"),
    card(null, summary, progress, h("p", {}, h("a", { class: "tap", href: "#/inquiries?" + new URLSearchParams({ case: current.caseNumber }) }, "本案的全部查控请求"))),
    card("各银行进度", banks),
    h("h2", { class: "section-title" }, "各银行查到的账户"),
    results,
  );
  show(current);
  if (current.status !== "OPEN") return;

  // Live: each bank's change of state as the rounds record it; the answers are read again
  // (a little after the last change) to show what the bank found.
  let timer = null;
  const reread = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (left) return;
      try {
        const again = await gql(READ, { id });
        if (!left) show(again.data.depositInquiry);
      } catch (err) {
        if (!left) (await import("./main.js")).handle(err);
      }
    }, 500);
  };
  const stop = follow(PROGRESS, { id }, (data) => {
    const event = data.depositInquiryProgress;
    if (left || !event) return;
    const list = current.banks.map((b) => (b.bank === event.bank ? { ...b, state: event.state, results: b.state === event.state ? b.results : null } : b));
    current = { ...current, banks: list, status: event.done ? "DONE" : current.status };
    showProgress(list, current.status);
    reread();
  });
  onLeave(() => {
    left = true;
    clearTimeout(timer);
    stop();
  });
}
