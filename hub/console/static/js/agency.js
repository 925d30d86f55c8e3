// The agency officer's pages: orders addressed to my agency, accepted with a receipt or rejected.

import { follow, gql } from "./api.js";
import { depositAmounts, dialogForm } from "./judge.js";
import { courtName, label } from "./labels.js";
import { pagedList } from "./lists.js";
import { COURT_ZONE_LABEL, busy, card, courtNowLocal, fmtDateTime, h, onLeave, rankBadge, reloadSoon, screen, statusBadge, table, termText } from "./ui.js";

const EVENTS = "subscription Inbox { freezeOrderEvents { orderId event } }";

const ORDER_FIELDS = `id kind assetType assetId agency ownerId courtCode caseNumber rulingNumber termMonths termDays
  status rank submittedAt deliveredAt effectiveFrom expiresOn receiptNumber receiptRegisteredAt closedReason
  amount frozenAmount currency`;

const PAGE = "pageInfo { endCursor hasNextPage } totalCount";
const INBOX = `query Inbox($after: String) { agencyInbox(first: 50, after: $after) { nodes { ${ORDER_FIELDS} } ${PAGE} } }`;
const HANDLED = `query Handled($after: String) { freezeOrders(first: 50, after: $after) { nodes { ${ORDER_FIELDS} } ${PAGE} } }`;

const ACCEPT = `
mutation Accept($id: String!, $receipt: ReceiptInput!) {
  freezeOrderAccept(id: $id, receipt: $receipt) { order { id status rank } errors { code message field reason rule } }
}`;

const REJECT = `
mutation Reject($id: String!, $reason: String!) {
  freezeOrderReject(id: $id, reason: $reason) { order { id status } errors { code message field reason rule } }
}`;

function accept(order) {
  const { inputs } = dialogForm(
    `登记回执：${label("kind", order.kind)}${label("asset", order.assetType)} ${order.assetId}`,
    [["documentNumber", "回执文号"], ["registeredAt", `登记时间（${COURT_ZONE_LABEL}）`, "datetime-local"]],
    async (values) => {
      const { data } = await busy("正在登记回执…", gql(ACCEPT, { id: order.id, receipt: values }));
      return data.freezeOrderAccept;
    },
    summary(order),
  );
  inputs.registeredAt.value = courtNowLocal();
}

function reject(order) {
  dialogForm(`退回：${label("kind", order.kind)}${label("asset", order.assetType)} ${order.assetId}`, [["reason", "退回原因"]], async ({ reason }) => {
    const { data } = await busy("正在退回…", gql(REJECT, { id: order.id, reason }));
    return data.freezeOrderReject;
  }, summary(order));
}

/** The order a dialog acts on: court, case, ruling and document. */
function summary(o) {
  return h(
    "dl",
    { class: "kv order-summary" },
    h("dt", {}, "法院"), h("dd", {}, courtName(o.courtCode)),
    h("dt", {}, "案号"), h("dd", {}, o.caseNumber),
    h("dt", {}, "裁定书"), h("dd", {}, o.rulingNumber),
    h("dt", {}, "文书编号"), h("dd", {}, o.id),
  );
}

function describeOrder(o) {
  return h("div", {}, h("strong", {}, `${label("kind", o.kind)}${label("asset", o.assetType)}`), h("br"), h("small", {}, o.assetId), depositAmounts(o));
}

export async function inbox() {
  const mount = screen();
  // oldest served first (the API's order): the waiting line follows the time of service
  // (法发〔2004〕5号 第二十条)
  const list = await pagedList({
    id: "inbox-list",
    unit: "件",
    loading: "正在读取待办文书…",
    fetchPage: async (after) => (await gql(INBOX, { after })).data.agencyInbox,
    render: (nodes) =>
      table(
        ["文书", "法院 / 案号", "裁定书", "期限", "送达时间", ""],
        nodes.map((o) => [
          describeOrder(o),
          h("div", {}, courtName(o.courtCode), h("br"), o.caseNumber),
          o.rulingNumber,
          termText(o),
          fmtDateTime(o.deliveredAt || o.submittedAt),
          h(
            "div",
            { class: "row" },
            // a freeze of deposits is registered by the bank's system when served: nothing to accept
            o.assetType === "DEPOSIT"
              ? h("span", { class: "muted" }, "由银行系统自动登记")
              : h("button", { type: "button", class: "primary", onclick: () => accept(o), dataset: { accept: o.id } }, "登记回执"),
            h("button", { type: "button", class: "danger", onclick: () => reject(o), dataset: { reject: o.id } }, "退回"),
          ),
        ]),
        (i) => ({ dataset: { order: nodes[i].id } }),
      ),
  });
  mount(
    h("h1", {}, "协助执行收件箱"),
    card(
      null,
      h("p", { class: "muted" }, "待办文书按送达时间先后排列（新送达的文书会自动出现）。登记后请填写回执文号；不能协助执行的，请写明退回原因。轮候顺位按送达时间排列：先送达的文书未答复时，后登记的文书顺位待定。"),
      list,
    ),
  );
  onLeave(follow(EVENTS, {}, reloadSoon)); // new deliveries appear by themselves
}

export async function handled() {
  const mount = screen();
  const list = await pagedList({
    id: "handled-list",
    unit: "件",
    loading: "正在读取文书…",
    fetchPage: async (after) => (await gql(HANDLED, { after })).data.freezeOrders,
    render: (nodes) =>
      table(
        ["文书", "法院 / 案号", "状态", "起止", "回执", "说明"],
        nodes.map((o) => [
          describeOrder(o),
          h("div", {}, courtName(o.courtCode), h("br"), o.caseNumber),
          h("div", {}, statusBadge(o.status), rankBadge(o)),
          o.effectiveFrom ? `${o.effectiveFrom} 至 ${o.expiresOn}` : "—",
          o.receiptNumber ? h("div", {}, o.receiptNumber, h("br"), h("small", {}, fmtDateTime(o.receiptRegisteredAt))) : "—",
          o.closedReason || "",
        ]),
        (i) => ({ dataset: { order: nodes[i].id } }),
      ),
  });
  mount(h("h1", {}, "本机关的协助执行文书"), card(null, list));
}
