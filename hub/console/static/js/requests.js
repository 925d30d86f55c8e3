// The judge's inbox of enterprise parties' requests (诉求反映): the requests of the cases the judge
// is assigned to (partyRequestInbox), newest filed first, by status; opening one shows its text
// and attachments' hashes, and 答复 answers it (partyRequestAnswer) after a confirmation that says
// what the answer will do: a granted 申请解除 releases the case's measures on the enterprise's
// assets and needs the release ruling; a granted 信用修复 ends the enterprise's list entries of the
// case (法释〔2017〕7号 第二条第二款、第十条; 法释〔2015〕17号 第九条).

import { gql } from "./api.js";
import { label } from "./labels.js";
import { pagedList } from "./lists.js";
import { effectsText, payloadMessage } from "./party.js";
import { badge, busy, card, field, flash, fmtDateTime, h, screen } from "./ui.js";

const INBOX = `
query RequestInbox($filter: PartyRequestFilter, $after: String) {
  partyRequestInbox(filter: $filter, first: 50, after: $after) {
    nodes {
      id uscc caseNumber kind role text attachments { name sha256 } status filedAt
      answer answeredAt releasedOrders endedEntries
    }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

const ANSWER = `
mutation AnswerRequest($id: String!, $input: PartyRequestAnswerInput!) {
  partyRequestAnswer(id: $id, input: $input) {
    request { id status answer releasedOrders endedEntries }
    errors { code message field reason rule }
  }
}`;

const STATUSES = ["OPEN", "GRANTED", "REFUSED", "NOTED"];
const DECISIONS = ["GRANTED", "REFUSED", "NOTED"];

/** What the decision will do, said before the judge confirms it. */
function consequence(r, decision) {
  if (decision !== "GRANTED") return "答复后本诉求即办结，不能再次答复；答复内容企业可以看到。";
  if (r.kind === "RELEASE") return "准许后，将解除本案在该企业财产上正在生效和轮候中的全部查控措施（解封后轮候在后的依次生效），须填写解除裁定书文号。此操作不可撤回。";
  if (r.kind === "CREDIT_REPAIR") return "准许即认定被执行人已履行义务：本案该企业有效的失信名单信息将删除（有期限的提前删除，法释〔2017〕7号 第二条第二款；无期限的依第十条第一款第（一）项），限制消费将解除（法释〔2015〕17号 第九条）。此操作不可撤回。";
  return "准许本身不改变任何措施或名单信息；答复后本诉求即办结。";
}

function answerDialog(r) {
  const decision = h("select", { name: "decision", id: "answer-decision", required: true }, DECISIONS.map((d) => h("option", { value: d }, label("requestDecision", d))));
  const text = h("textarea", { name: "text", id: "answer-text", required: true, maxlength: 2000, rows: 4, placeholder: "给企业的答复" });
  const ruling = h("input", { name: "rulingNumber", id: "answer-ruling", placeholder: "例如（2026）鲁0602执123号之一" });
  const rulingField = field("解除裁定书文号", ruling, true);
  const warning = h("p", { class: "notice info", id: "answer-consequence" });
  const message = h("p", { class: "denied-block", role: "alert" });
  const ok = h("button", { class: "primary", type: "submit" }, "确认答复");
  const update = () => {
    const release = r.kind === "RELEASE" && decision.value === "GRANTED";
    rulingField.hidden = !release;
    ruling.required = release;
    warning.textContent = consequence(r, decision.value);
  };
  decision.addEventListener("change", update);
  const dialog = h(
    "dialog",
    {},
    h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          ok.disabled = true;
          message.textContent = "";
          try {
            const input = { decision: decision.value, text: text.value.trim() };
            if (!rulingField.hidden) input.rulingNumber = ruling.value.trim();
            const { data } = await busy("正在提交答复…", gql(ANSWER, { id: r.id, input }));
            const payload = data.partyRequestAnswer;
            if (payload.errors.length) {
              message.textContent = payloadMessage(payload.errors);
              return;
            }
            dialog.close();
            const done = payload.request;
            const effects = effectsText(done);
            flash(`已答复：${label("requestStatus", done.status)}。${effects ? effects + "。" : ""}`, "ok");
            window.dispatchEvent(new HashChangeEvent("hashchange"));
          } catch (err) {
            message.textContent = err.message;
          } finally {
            ok.disabled = false;
          }
        },
      },
      h("h2", {}, `答复诉求：${label("requestKind", r.kind)}`),
      h(
        "dl",
        { class: "kv order-summary" },
        h("dt", {}, "编号"), h("dd", {}, r.id),
        h("dt", {}, "案号"), h("dd", {}, r.caseNumber),
        h("dt", {}, "企业"), h("dd", {}, `${r.uscc}（${r.role}）`),
      ),
      field("答复结果", decision, true),
      field("答复内容", text, true),
      rulingField,
      warning,
      message,
      h("div", { class: "row" }, ok, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "取消")),
    ),
  );
  update();
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function requestBadge(status) {
  return badge(label("requestStatus", status), { OPEN: "warn", GRANTED: "ok", REFUSED: "bad" }[status] || "");
}

function requestCard(r) {
  return h(
    "details",
    { class: "card request", dataset: { request: r.id, status: r.status }, open: r.status === "OPEN" ? true : null },
    h("summary", {}, requestBadge(r.status), " ", label("requestKind", r.kind), " · ", r.caseNumber, " · ", fmtDateTime(r.filedAt)),
    h(
      "dl",
      { class: "kv" },
      h("dt", {}, "编号"), h("dd", {}, r.id),
      h("dt", {}, "企业"), h("dd", {}, h("span", { class: "ident" }, r.uscc), `（本案${r.role}）`),
      h("dt", {}, "诉求内容"), h("dd", { class: "pre" }, r.text),
      h("dt", {}, "附件"),
      h(
        "dd",
        {},
        r.attachments.length
          ? h("ul", { class: "attachments" }, r.attachments.map((a) => h("li", {}, a.name, h("br"), h("small", { class: "ident" }, `SHA-256 ${a.sha256}`))))
          : "无",
      ),
      r.answer ? [h("dt", {}, "答复"), h("dd", { class: "pre" }, r.answer)] : null,
      r.answeredAt ? [h("dt", {}, "答复时间"), h("dd", {}, fmtDateTime(r.answeredAt))] : null,
      r.status !== "OPEN" ? [h("dt", {}, "办理结果"), h("dd", { class: "effects" }, effectsText(r) || "未改变措施或名单信息")] : null,
    ),
    r.status === "OPEN"
      ? h("div", { class: "row" }, h("button", { type: "button", class: "primary", dataset: { answer: r.id }, onclick: () => answerDialog(r) }, "答复"))
      : null,
  );
}

export async function inbox(params) {
  const mount = screen();
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const tabs = h(
    "nav",
    { class: "tabs", id: "requests-tabs" },
    [["", "全部"], ...STATUSES.map((s) => [s, label("requestStatus", s)])].map(([s, text]) =>
      h("a", { href: s ? `#/requests?status=${s}` : "#/requests", class: s === status ? "active" : null }, text),
    ),
  );
  const results = card(null, tabs);
  mount(
    h("h1", {}, "企业诉求反映"),
    h("p", { class: "muted" }, "您承办案件的当事人企业提交的诉求，最新的在前。附件只有文件名和 SHA-256 指纹：企业另行提交文件时，可据此核对。"),
    results,
  );
  const filter = status ? { status } : null;
  results.append(
    await pagedList({
      id: "requests-results",
      loading: "正在读取诉求…",
      unit: "件",
      fetchPage: async (after) => (await gql(INBOX, { filter, after })).data.partyRequestInbox,
      render: (nodes) => (nodes.length ? h("div", {}, nodes.map(requestCard)) : h("p", { class: "empty" }, "无记录")),
    }),
  );
}
