// The auditor's pages: the access log with filters, a person's access history, the activity chart,
// and the log's integrity (latest signed checkpoint, verify now).

import { gql } from "./api.js";
import { LABELS, agencyName, label, orgChoices, orgName } from "./labels.js";
import { pagedList } from "./lists.js";
import { COURT_ZONE_LABEL, badge, busy, card, courtDayStart, daysFrom, field, fill, fmtAmount, fmtDateTime, h, svg, table, today, screen } from "./ui.js";

const EVENT_FIELDS = `id occurredAt userId org roles caseNumber action subjectKind subjectId outcome flags
  fieldsDenied connectors { connector outcome } reason redacted leafIndex`;

const EVENTS = `
query Events($filter: AuditEventFilter, $after: String) {
  auditEvents(filter: $filter, first: 50, after: $after) {
    nodes { ${EVENT_FIELDS} }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

const HISTORY = `
query History($id: String!, $after: String) {
  personAccesses(idNumber: $id, first: 50, after: $after) {
    nodes { ${EVENT_FIELDS} }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

function outcomeBadge(outcome) {
  const kind = { OK: "ok", PARTIAL: "warn", DENIED: "bad", PURPOSE_REQUIRED: "bad", CONFLICT: "warn", BLOCK: "bad", ALLOW: "ok" }[outcome] || "";
  return badge(label("outcome", outcome), kind);
}

function subjectCell(e) {
  if (e.redacted) return h("span", { class: "muted" }, "已按保存期限清除");
  if (!e.subjectId) return "—";
  if (e.subjectKind === "PERSON") {
    return h("a", { href: "#/audit/history?" + new URLSearchParams({ id: e.subjectId }), class: "subject-link" }, e.subjectId);
  }
  return e.subjectId;
}

function eventsTable(events) {
  return table(
    ["时间", "用户 / 单位", "案号", "操作", "查询对象", "结果", "异常标记"],
    events.map((e) => [
      fmtDateTime(e.occurredAt),
      h("div", {}, h("a", { href: "#/audit?" + new URLSearchParams({ userId: e.userId }) }, e.userId), h("br"), h("a", { href: "#/audit?" + new URLSearchParams({ org: e.org }), class: "org-link" }, h("small", {}, orgName(e.org)))),
      e.caseNumber ? h("a", { href: "#/audit?" + new URLSearchParams({ caseNumber: e.caseNumber }) }, e.caseNumber) : h("span", { class: "muted" }, "无"),
      label("action", e.action),
      subjectCell(e),
      h("div", {}, outcomeBadge(e.outcome), e.reason ? h("div", { class: "muted" }, label("reason", e.reason)) : null),
      e.flags.length ? e.flags.map((f) => badge(label("flag", f), "warn")) : "",
    ]),
    (i) => ({ class: events[i].flags.length ? "flagged" : null, dataset: { entry: events[i].id } }),
  );
}

const FILTERS = [
  ["subjectIdNumber", "被查询人身份证号码"],
  ["subjectUscc", "被查询企业统一社会信用代码"],
  ["userId", "用户"],
  ["caseNumber", "案号"],
];

/** A court day typed in the filter, or null (an older link's "2026-11-01T09:00" keeps its day). */
function filterDay(value) {
  const day = (value || "").slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}

export async function log(params) {
  const mount = screen();
  const inputs = Object.fromEntries(FILTERS.map(([name]) => [name, h("input", { name, id: "filter-" + name, value: params.get(name) || "", autocomplete: "off" })]));
  // the org by name: the courts of the hub's court table and the agencies
  const orgs = orgChoices();
  const org = params.get("org") || "";
  if (org && !orgs.some(([value]) => value === org)) orgs.push([org, orgName(org)]);
  inputs.org = h("select", { name: "org", id: "filter-org" }, h("option", { value: "" }, "全部"), orgs.map(([value, text]) => h("option", { value, selected: value === org }, text)));
  // days of the courts' calendar, both included: from 00:00 of the first to 24:00 of the last
  const from = h("input", { type: "date", id: "filter-from", value: filterDay(params.get("from")) || "" });
  const to = h("input", { type: "date", id: "filter-to", value: filterDay(params.get("to")) || "" });
  const outcome = h("select", { id: "filter-outcome" }, h("option", { value: "" }, "全部"), ["OK", "PARTIAL", "NOT_FOUND", "DENIED", "PURPOSE_REQUIRED", "CONFLICT"].map((o) => h("option", { value: o, selected: params.get("outcome") === o }, label("outcome", o))));
  const flag = h("select", { id: "filter-flag" }, h("option", { value: "" }, "全部"), Object.keys(LABELS.flag).map((f) => h("option", { value: f, selected: params.get("flag") === f }, label("flag", f))));
  const form = h(
    "form",
    {
      id: "audit-filter",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        for (const [name, el] of Object.entries(inputs)) if (el.value.trim()) q.set(name, el.value.trim());
        if (from.value) q.set("from", from.value);
        if (to.value) q.set("to", to.value);
        if (outcome.value) q.set("outcome", outcome.value);
        if (flag.value) q.set("flag", flag.value);
        const target = "#/audit?" + q;
        if (location.hash === target) log(q);
        else location.hash = target;
      },
    },
    h("div", { class: "row" }, FILTERS.map(([name, text]) => field(text, inputs[name])), field("单位", inputs.org)),
    h("div", { class: "row" }, field(`起始日期（${COURT_ZONE_LABEL}）`, from), field(`结束日期（${COURT_ZONE_LABEL}，含当日）`, to), field("结果", outcome), field("异常标记", flag), h("button", { class: "primary", type: "submit" }, "查询"), h("a", { href: "#/audit" }, "清除条件")),
  );
  const filter = {};
  for (const name of Object.keys(inputs)) if (params.get(name)) filter[name] = params.get(name);
  const fromDay = filterDay(params.get("from"));
  const toDay = filterDay(params.get("to"));
  if (fromDay) filter.from = courtDayStart(fromDay);
  if (toDay) filter.to = courtDayStart(daysFrom(toDay, 1));
  if (params.get("outcome")) filter.outcome = params.get("outcome");
  if (params.get("flag")) filter.flag = params.get("flag");
  const results = card("检索结果（最新在前；标黄为异常）");
  mount(h("h1", {}, "访问记录"), card(null, form), results);
  const list = await pagedList({
    id: "audit-results",
    loading: "正在检索审计日志…",
    fetchPage: async (after) => (await gql(EVENTS, { filter, after })).data.auditEvents,
    render: eventsTable,
  });
  results.append(list);
}

export async function history(params) {
  const mount = screen();
  const id = (params.get("id") || "").trim();
  const input = h("input", { id: "history-id", value: id, required: true, placeholder: "18 位身份证号码", autocomplete: "off" });
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = "#/audit/history?" + new URLSearchParams({ id: input.value.trim() });
      },
    },
    h("div", { class: "row" }, field("身份证号码", input, true), h("button", { class: "primary", type: "submit" }, "查看访问历史")),
  );
  const results = h("div");
  mount(h("h1", {}, "个人访问历史"), card(null, h("p", { class: "muted" }, "谁在何时、以何案由、从哪个单位查看过此人（最新在前）。"), form), results);
  if (!id) return;
  const list = await pagedList({
    id: "history-results",
    loading: "正在检索访问历史…",
    fetchPage: async (after) => (await gql(HISTORY, { id, after })).data.personAccesses,
    render: eventsTable,
  });
  results.replaceChildren(card(`${id} 的访问记录`, list));
}

const ACTIVITY = `
query Activity($from: Date!, $to: Date!) {
  auditActivity(from: $from, to: $to) { day accesses denied agencies { agency accesses } }
}`;

const COLORS = ["#1f5fa8", "#2e8b57", "#c47f00", "#7b4fa0", "#5f7d8c", "#a0522d"];

function swatch(fill) {
  return svg("svg", { width: 12, height: 12, class: "swatch" }, svg("rect", { width: 12, height: 12, fill }));
}

function activityChart(days) {
  const agencies = [...new Set(days.flatMap((d) => d.agencies.map((a) => a.agency)))].sort();
  const colour = Object.fromEntries(agencies.map((a, i) => [a, COLORS[i % COLORS.length]]));
  const width = 960;
  const height = 300;
  const pad = { left: 44, right: 12, top: 12, bottom: 36 };
  const max = Math.max(1, ...days.map((d) => Math.max(d.agencies.reduce((s, a) => s + a.accesses, 0), d.denied)));
  const slot = (width - pad.left - pad.right) / Math.max(days.length, 1);
  const bar = Math.max(2, slot * 0.38);
  const y = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const shapes = [];
  for (let t = 0; t <= 4; t += 1) {
    const v = Math.round((max * t) / 4);
    shapes.push(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: "#e3e7ec" }));
    shapes.push(svg("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#616e7c" }, v));
  }
  days.forEach((d, i) => {
    const x = pad.left + i * slot + slot * 0.1;
    let top = height - pad.bottom;
    for (const a of d.agencies) {
      const h2 = (a.accesses / max) * (height - pad.top - pad.bottom);
      top -= h2;
      shapes.push(svg("rect", { x, y: top, width: bar, height: h2, fill: colour[a.agency] }, svg("title", {}, `${d.day} ${agencyName(a.agency)}：${a.accesses} 次`)));
    }
    if (d.denied) {
      const h2 = (d.denied / max) * (height - pad.top - pad.bottom);
      shapes.push(svg("rect", { x: x + bar + 1, y: height - pad.bottom - h2, width: bar, height: h2, fill: "#b3261e" }, svg("title", {}, `${d.day} 被拒绝：${d.denied} 次`)));
    }
    if (days.length <= 31 || i % Math.ceil(days.length / 31) === 0) {
      shapes.push(svg("text", { x: x + bar, y: height - pad.bottom + 14, "text-anchor": "middle", "font-size": 10, fill: "#616e7c" }, d.day.slice(5)));
    }
  });
  return h(
    "div",
    { class: "chart", id: "activity-chart" },
    svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "每日各部门访问量与被拒绝次数" }, ...shapes),
    h("div", { class: "legend" }, agencies.map((a) => h("span", {}, swatch(colour[a]), agencyName(a))), h("span", {}, swatch("#b3261e"), "被拒绝")),
  );
}

export async function chart(params) {
  const mount = screen();
  const to = params.get("to") || today();
  const from = params.get("from") || daysFrom(to, -29);
  const fromInput = h("input", { type: "date", id: "chart-from", value: from });
  const toInput = h("input", { type: "date", id: "chart-to", value: to });
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = "#/audit/chart?" + new URLSearchParams({ from: fromInput.value, to: toInput.value });
      },
    },
    h("div", { class: "row" }, field(`起始日期（${COURT_ZONE_LABEL}）`, fromInput), field("结束日期（含当日）", toInput), h("button", { class: "primary", type: "submit" }, "统计")),
  );
  const { data } = await busy("正在统计…", gql(ACTIVITY, { from, to }));
  const days = data.auditActivity;
  const total = days.reduce((s, d) => s + d.accesses, 0);
  const denied = days.reduce((s, d) => s + d.denied, 0);
  mount(
    h("h1", {}, "访问统计"),
    card(null, form),
    card(`${from} 至 ${to}：访问 ${total} 次，被拒绝 ${denied} 次`, activityChart(days)),
    card(
      "按日明细",
      table(
        ["日期", "访问", "被拒绝", "各部门（调用次数）"],
        days.filter((d) => d.accesses).map((d) => [d.day, d.accesses, d.denied, d.agencies.map((a) => `${agencyName(a.agency)} ${a.accesses}`).join("，")]),
      ),
    ),
  );
}

const CHECKPOINT = `query Checkpoint { auditCheckpoint { origin treeSize rootHash note createdAt } }`;
// A verification runs in the background on the hub (one at a time): started here, then followed
// once a second until its report is there. A verification already running (started by another
// auditor, or before this page was opened) is followed the same way.
const VERIFY_START = `mutation VerifyStart { auditIntegrityStart { started job { id } } }`;
const VERIFY_JOB = `query VerifyJob($id: String) { auditIntegrityJob(id: $id) { id state checked total startedAt finishedAt error report { ok checkedAt entries treeSize rootHash checkpoints redacted unintegrated problems omittedProblems } } }`;
const POLL_MS = 1000;

function verifyReport(r) {
  return [
    h("p", { class: r.ok ? "status-ok" : "status-bad", id: "verify-status" }, r.ok ? "校验通过：审计日志完整，未被篡改" : "校验失败：审计日志与签名检查点不一致"),
    h("dl", { class: "kv" },
      h("dt", {}, "校验时间"), h("dd", {}, fmtDateTime(r.checkedAt)),
      h("dt", {}, "条目数"), h("dd", {}, r.entries),
      h("dt", {}, "树大小"), h("dd", {}, r.treeSize),
      h("dt", {}, "签名检查点"), h("dd", {}, r.checkpoints),
      h("dt", {}, "已清除内容的条目"), h("dd", {}, r.redacted),
      h("dt", {}, "待入树条目"), h("dd", {}, r.unintegrated),
      h("dt", {}, "根哈希"), h("dd", {}, r.rootHash ? h("code", {}, r.rootHash) : "—（日志为空）"),
    ),
    r.problems.length ? h("ul", {}, r.problems.map((p) => h("li", { class: "status-bad" }, p))) : null,
    r.omittedProblems ? h("p", { class: "status-bad" }, `另有 ${r.omittedProblems} 个问题未逐条列出`) : null,
  ];
}

function verifyProgress(job) {
  const known = job.total != null && job.total > 0;
  return h("p", { id: "verify-progress" },
    known ? `正在校验：已重算 ${job.checked} / ${job.total} 个叶子（${Math.floor((100 * job.checked) / job.total)}%）` : "正在校验：读取审计日志……",
    h("br", {}),
    known ? h("progress", { value: job.checked, max: job.total }) : h("progress", {}),
    h("br", {}),
    h("span", { class: "muted" }, `开始于 ${fmtDateTime(job.startedAt)}；校验在服务端后台进行，离开本页不会中断`),
  );
}

/** Follow verification `id` in `result` until it is done (or the page is left). */
async function followVerification(result, id) {
  for (;;) {
    if (!result.isConnected) return null;
    const { data } = await gql(VERIFY_JOB, { id });
    const job = data.auditIntegrityJob;
    if (!result.isConnected) return null;
    if (job.state === "DONE") {
      fill(result, ...verifyReport(job.report));
      return job;
    }
    if (job.state === "FAILED") {
      fill(result, h("p", { class: "status-bad", id: "verify-failed" }, "校验未能完成：" + (job.error || "原因不明")));
      return job;
    }
    fill(result, verifyProgress(job));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function integrity() {
  const mount = screen();
  const { data } = await busy("正在读取最新签名检查点…", gql(CHECKPOINT));
  const cp = data.auditCheckpoint;
  const result = h("div", { id: "verify-result" });
  const button = h("button", { type: "button", class: "primary", id: "verify-now" }, "立即校验");
  const follow = async (start) => {
    button.disabled = true;
    try {
      const id = await start();
      if (id != null) await followVerification(result, id);
    } catch (err) {
      fill(result, h("p", { class: "status-bad" }, "校验未能完成：" + err.message));
    } finally {
      button.disabled = false;
    }
  };
  button.onclick = () =>
    follow(async () => {
      fill(result, h("p", {}, "正在启动后台校验……", h("progress", {})));
      try {
        const { data: d } = await gql(VERIFY_START);
        return d.auditIntegrityStart.job.id;
      } catch (err) {
        // within the pause after the last verification (HUB_AUDIT_VERIFY_PAUSE) none starts:
        // that verification's report is shown, saying so
        const paused = (err.errors || []).some((e) => (e.extensions || {}).reason === "PAUSE");
        if (!paused) throw err;
        const { data: d } = await gql(VERIFY_JOB, {});
        const job = d.auditIntegrityJob;
        if (!job) throw err;
        await followVerification(result, job.id);
        result.prepend(
          h("p", { class: "muted", id: "verify-paused" },
            `上一次完整性校验于 ${fmtDateTime(job.finishedAt)} 刚刚完成，稍后方可再次发起；以下是该次校验的报告。`),
        );
        return null;
      }
    });
  mount(
    h("h1", {}, "审计日志完整性"),
    card(
      "最新签名检查点",
      cp
        ? h("dl", { class: "kv", id: "checkpoint" },
            h("dt", {}, "来源"), h("dd", {}, cp.origin),
            h("dt", {}, "树大小"), h("dd", { id: "checkpoint-size" }, cp.treeSize),
            h("dt", {}, "根哈希"), h("dd", {}, h("code", {}, cp.rootHash)),
            h("dt", {}, "签署时间"), h("dd", {}, fmtDateTime(cp.createdAt)),
            h("dt", {}, "签名文本"), h("dd", {}, h("pre", {}, cp.note)))
        : h("p", { class: "empty" }, "尚无签名检查点（首批条目入树后 1 秒内生成）"),
      h("p", { class: "muted" }, "请将签名文本另行保存；日后可用 fyt audit verify --trusted 证明日志未被改写。"),
    ),
    card("立即校验", h("p", {}, "在服务端后台重算每一条目的哈希与默克尔树，并核对全部签名检查点；同一时间只进行一次校验。"), button, result),
  );
  // a verification already running (another auditor's, or one started before) is shown as it goes
  follow(async () => {
    const { data: d } = await gql(VERIFY_JOB, {});
    const job = d.auditIntegrityJob;
    return job && job.state === "RUNNING" ? job.id : null;
  });
}

// --- 执行款台账: a case's deductions (扣划) from frozen deposits, reconciled against the banks -----

const LEDGER = `
query Ledger($case: String!) {
  depositLedger(caseNumber: $case) {
    caseNumber deducted receipted bankRecorded pending receiptsValid unmatchedTransfers reconciled
    entries { id orderId bank accountNumber amount currency rulingNumber payee status requestedBy requestedAt
      transferNumber transferredAt refusedReason }
  }
}`;

/**
 * The ledger of a case (`depositLedger`): the sums the hub recorded, receipted by the banks'
 * signed receipts and recorded by the banks themselves, whether they agree, and each deduction
 * with the account masked as the API gives it (the receipts themselves are withheld).
 */
export async function ledger(params) {
  const mount = screen();
  const caseNumber = (params.get("case") || "").trim();
  const input = h("input", { id: "ledger-case", name: "case", value: caseNumber, required: true, autocomplete: "off", placeholder: "（2026）鲁0602执123号" });
  const form = h(
    "form",
    {
      id: "ledger-form",
      onsubmit: (event) => {
        event.preventDefault();
        const target = "#/audit/ledger?" + new URLSearchParams({ case: input.value.trim() });
        if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = target;
      },
    },
    h("div", { class: "row" }, field("案号", input, true), h("button", { class: "primary", type: "submit" }, "查看台账")),
    h("p", { class: "muted" }, "本案从冻结存款中扣划的款项：府院通记录的扣划金额，与各银行签名的划款回执、银行自身的划款记录逐笔核对。账号按权限脱敏显示；查看记入审计日志。"),
  );
  const result = h("div", { id: "ledger-result" });
  mount(h("h1", {}, "执行款台账"), card(null, form), result);
  if (!caseNumber) return;
  const { data } = await busy("正在核对本案扣划台账…", gql(LEDGER, { case: caseNumber }));
  const l = data.depositLedger;
  const cny = (x) => fmtAmount(x, "CNY");
  const summary = h(
    "dl",
    { class: "kv", id: "ledger-summary" },
    h("dt", {}, "核对结果"),
    h("dd", { "data-field": "reconciled" }, l.reconciled ? badge("已核对一致", "ok") : badge("不一致，请核查", "bad")),
    h("dt", {}, "已扣划（府院通记录）"), h("dd", { "data-field": "deducted" }, cny(l.deducted)),
    h("dt", {}, "银行回执金额"), h("dd", { "data-field": "receipted" }, cny(l.receipted)),
    h("dt", {}, "银行划款记录"), h("dd", { "data-field": "bankRecorded" }, l.bankRecorded == null ? "未能读取银行记录" : cny(l.bankRecorded)),
    h("dt", {}, "划款中（待银行回执）"), h("dd", { "data-field": "pending" }, cny(l.pending)),
    h("dt", {}, "回执签名"), h("dd", { "data-field": "receiptsValid" }, l.receiptsValid ? badge("全部有效", "ok") : badge("有回执签名无效或不对应", "bad")),
    h("dt", {}, "银行有而台账无的划款"),
    h("dd", { "data-field": "unmatchedTransfers" }, l.unmatchedTransfers.length ? l.unmatchedTransfers.join("、") : "无"),
  );
  const entries = table(
    ["扣划编号 / 冻结文书", "银行 / 账号", "金额", "扣划裁定书", "收款账户", "状态", "申请", "划款凭证"],
    l.entries.map((e) => [
      h("div", {}, e.id, h("br"), h("small", {}, e.orderId)),
      h("div", {}, agencyName(e.bank), h("br"), h("span", { class: e.accountNumber.includes("*") ? "masked" : null, title: "按权限脱敏显示" }, e.accountNumber)),
      fmtAmount(e.amount, e.currency),
      e.rulingNumber,
      e.payee,
      h("div", {}, badge(label("deductionStatus", e.status), { DONE: "ok", PENDING: "warn", REFUSED: "bad" }[e.status] || ""), e.refusedReason ? h("div", { class: "muted" }, e.refusedReason) : null),
      h("div", {}, e.requestedBy, h("br"), h("small", {}, fmtDateTime(e.requestedAt))),
      e.transferNumber ? h("div", {}, e.transferNumber, h("br"), h("small", {}, fmtDateTime(e.transferredAt))) : "—",
    ]),
    (i) => ({ dataset: { deduction: l.entries[i].id, status: l.entries[i].status } }),
  );
  fill(result, card(`本案扣划：${l.caseNumber}`, summary), card(`扣划明细（共 ${l.entries.length} 笔）`, entries));
}
