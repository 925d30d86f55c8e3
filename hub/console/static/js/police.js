// Police assistance (公安协助): the judge files 查人, 车辆布控 and 限制出境 requests for respondents of
// their cases and follows them (policeRequests, policeRequestEvents); public security works its
// inbox (policeInbox): answers, refuses, confirms, records sightings, hands a vehicle over. A 查人
// answer is picked from what public security's registers hold on the respondent
// (policeRequest.holdings, read when the answer dialog opens), or written by hand.
// See docs/police.md.

import { follow, gql } from "./api.js";
import { dialogForm } from "./judge.js";
import { pagedList } from "./lists.js";
import { badge, busy, card, courtNowLocal, fmtDateTime, h, onLeave, reloadSoon, screen, table, today, daysFrom } from "./ui.js";

const KINDS = { LOCATE: "查人", VEHICLE_WATCH: "车辆布控", EXIT_BAN: "限制出境" };
const STATUSES = {
  OPEN: "待公安办理",
  ANSWERED: "已答复",
  REFUSED: "已拒绝",
  CANCELLED: "已撤回",
  EXPIRED: "已失效",
  WATCHING: "布控中",
  STOP_REQUESTED: "待查扣",
  HANDED_OVER: "已移交",
  ENDED: "布控结束",
  IN_FORCE: "边控生效",
  LIFT_REQUESTED: "待解除",
  LIFTED: "已解除",
};
const EVENTS = {
  FILED: "提出请求",
  ANSWERED: "公安答复",
  REFUSED: "公安拒绝",
  CANCELLED: "法院撤回",
  EXPIRED: "失效",
  CONFIRMED: "公安确认",
  SIGHTING: "发现车辆",
  STOP_REQUESTED: "请求查扣",
  HANDED_OVER: "车辆移交",
  ENDED: "布控结束",
  LIFT_REQUESTED: "法院解除",
  LIFTED: "公安确认解除",
};
const FINDINGS = { ACCOMMODATION: "住宿登记", TRANSPORT: "交通订票", CHECKPOINT: "卡口通行" };
const ACTIVE = ["OPEN", "WATCHING", "STOP_REQUESTED", "IN_FORCE", "LIFT_REQUESTED"];
const ERRORS = "errors { code message field reason rule }";
const FIELDS = `id kind status caseNumber courtCode subjectId rulingNumber reason filedAt validUntil orderId plate termEnd basis
  answeredAt findings { category at place detail } note refusal receiptNumber stopRequestedAt
  handOver { receiptNumber place handedOverAt } endedAt endReason`;
const PAGE = "pageInfo { endCursor hasNextPage } totalCount";

const MINE = `query PoliceRequests($after: String) { policeRequests(first: 50, after: $after) { nodes { ${FIELDS} } ${PAGE} } }`;
const INBOX = `query PoliceInbox($after: String) { policeInbox(first: 50, after: $after) { nodes { ${FIELDS} } ${PAGE} } }`;
const ONE = `query PoliceRequest($id: String!) { policeRequest(id: $id) { id events { id event at checkpoint place seenAt } } }`;
const FOLLOW = "subscription Follow($id: String!) { policeRequestEvents(id: $id) { id event } }";
const FILE = `mutation File($input: PoliceRequestFileInput!) { policeRequestFile(input: $input) { request { id status } ${ERRORS} } }`;
const COURT = {
  cancel: `mutation C($id: String!, $reason: String!) { policeRequestCancel(id: $id, reason: $reason) { request { id status } ${ERRORS} } }`,
  stop: `mutation S($id: String!, $reason: String!) { policeVehicleStop(id: $id, reason: $reason) { request { id status } ${ERRORS} } }`,
  lift: `mutation L($id: String!, $reason: String!) { policeExitBanLift(id: $id, reason: $reason) { request { id status } ${ERRORS} } }`,
};
const HOLDINGS = `query PoliceHoldings($id: String!) { policeRequest(id: $id) { id holdings { category at place detail } } }`;
const ANSWER = `mutation A($id: String!, $input: PoliceLocateAnswerInput!) { policeRequestAnswer(id: $id, input: $input) { request { id status } ${ERRORS} } }`;
const REFUSE = `mutation R($id: String!, $reason: String!) { policeRequestRefuse(id: $id, reason: $reason) { request { id status } ${ERRORS} } }`;
const CONFIRM = `mutation C($id: String!, $receipt: String!) { policeRequestConfirm(id: $id, receiptNumber: $receipt) { request { id status } ${ERRORS} } }`;
const SIGHTING = `mutation S($id: String!, $input: PoliceSightingInput!) { policeSightingRecord(id: $id, input: $input) { event { id } ${ERRORS} } }`;
const HAND_OVER = `mutation H($id: String!, $input: PoliceHandOverInput!) { policeVehicleHandOver(id: $id, input: $input) { request { id status } ${ERRORS} } }`;

function statusBadge(status) {
  const kind = { OPEN: "warn", STOP_REQUESTED: "warn", LIFT_REQUESTED: "warn", REFUSED: "bad", EXPIRED: "bad", WATCHING: "ok", IN_FORCE: "ok", ANSWERED: "ok", HANDED_OVER: "ok" }[status] || "";
  return badge(STATUSES[status] || status, kind);
}

function what(r) {
  if (r.kind === "VEHICLE_WATCH") return `${KINDS[r.kind]} ${r.plate}（${r.orderId}）`;
  if (r.kind === "EXIT_BAN") return `${KINDS[r.kind]} 至 ${r.termEnd}（${r.basis === "APPLICATION" ? "依申请" : "依职权"}）`;
  return `${KINDS[r.kind]}（有效期至 ${fmtDateTime(r.validUntil)}）`;
}

function answerText(r) {
  const parts = [];
  if (r.findings.length) parts.push(h("ul", { class: "findings" }, r.findings.map((f) => h("li", {}, `${FINDINGS[f.category]} · ${fmtDateTime(f.at)} · ${f.place}${f.detail ? " · " + f.detail : ""}`))));
  else if (r.status === "ANSWERED") parts.push("未查到可提供的信息");
  if (r.note) parts.push(h("p", {}, r.note));
  if (r.refusal) parts.push(h("p", {}, `拒绝理由：${r.refusal}`));
  if (r.receiptNumber) parts.push(h("p", {}, `回执：${r.receiptNumber}`));
  if (r.handOver) parts.push(h("p", {}, `移交回执 ${r.handOver.receiptNumber}，${r.handOver.place}，${fmtDateTime(r.handOver.handedOverAt)}`));
  if (r.endReason) parts.push(h("p", { class: "muted" }, r.endReason));
  return parts.length ? h("div", {}, parts) : "—";
}

async function events(r, into) {
  const { data } = await gql(ONE, { id: r.id });
  into.replaceChildren(
    h("ol", { class: "events", dataset: { events: r.id } }, data.policeRequest.events.map((e) =>
      h("li", { dataset: { event: e.event } }, `${fmtDateTime(e.at)} ${EVENTS[e.event] || e.event}`, e.checkpoint ? `：${e.checkpoint}，${e.place}（${fmtDateTime(e.seenAt)}）` : ""),
    )),
  );
}

function courtAction(r, verb, title) {
  dialogForm(`${title}：${r.id}`, [["reason", "理由"]], async ({ reason }) => {
    const { data } = await busy("正在提交…", gql(COURT[verb], { id: r.id, reason }));
    return Object.values(data)[0];
  });
}

function fileDialog(kind) {
  const common = [["caseNumber", "案号"], ["subject", "被执行人身份证号码 / 统一社会信用代码"], ["rulingNumber", "裁定书 / 决定书文号"], ["reason", "事由"]];
  const extra = {
    LOCATE: [["validUntil", "有效期至（北京时间）", "datetime-local"]],
    VEHICLE_WATCH: [["orderId", "查封该车辆的文书编号"]],
    EXIT_BAN: [["termEnd", "限制出境至", "date", null, daysFrom(today(), 365)], ["basis", "依据（民诉法解释 第五百一十六条）", "select", [["APPLICATION", "申请执行人书面申请"], ["EX_OFFICIO", "依职权决定"]], "APPLICATION"]],
  }[kind];
  const { inputs } = dialogForm(`新建公安协助请求：${KINDS[kind]}`, [...common, ...extra], async (values) => {
    const { data } = await busy("正在提交请求…", gql(FILE, { input: { kind, ...values } }));
    return data.policeRequestFile;
  });
  if (inputs.validUntil) inputs.validUntil.value = courtNowLocal().slice(0, 10) + "T23:59";
  for (const [name, el] of Object.entries(inputs)) el.id = `police-${name}`;
}

export async function requests() {
  const mount = screen();
  const active = [];
  const list = await pagedList({
    id: "police-list",
    unit: "件",
    loading: "正在读取公安协助请求…",
    fetchPage: async (after) => (await gql(MINE, { after })).data.policeRequests,
    render: (nodes) =>
      table(
        ["请求", "案号 / 被执行人", "状态", "公安答复", "经过", ""],
        nodes.map((r) => {
          if (ACTIVE.includes(r.status)) active.push(r.id);
          const log = h("div", {}, h("button", { type: "button", class: "secondary", onclick: () => events(r, log), dataset: { events: r.id } }, "查看经过"));
          return [
            h("div", {}, h("strong", {}, what(r)), h("br"), h("small", {}, `${r.id} · ${fmtDateTime(r.filedAt)}`)),
            h("div", {}, r.caseNumber, h("br"), r.subjectId),
            statusBadge(r.status),
            answerText(r),
            log,
            h(
              "div",
              { class: "row" },
              r.status === "OPEN" ? h("button", { type: "button", class: "secondary", onclick: () => courtAction(r, "cancel", "撤回请求"), dataset: { cancel: r.id } }, "撤回") : null,
              r.status === "WATCHING" ? h("button", { type: "button", class: "primary", onclick: () => courtAction(r, "stop", "请求查扣车辆"), dataset: { stop: r.id } }, "请求查扣") : null,
              r.status === "WATCHING" ? h("button", { type: "button", class: "secondary", onclick: () => courtAction(r, "cancel", "结束布控"), dataset: { cancel: r.id } }, "结束布控") : null,
              r.status === "IN_FORCE" ? h("button", { type: "button", class: "danger", onclick: () => courtAction(r, "lift", "解除限制出境"), dataset: { lift: r.id } }, "解除") : null,
            ),
          ];
        }),
        (i) => ({ dataset: { police: nodes[i].id, status: nodes[i].status } }),
      ),
  });
  mount(
    h("h1", {}, "公安协助"),
    card(
      null,
      h("p", { class: "muted" }, "为本人承办的未结案件的被执行人向公安机关提出查人、车辆布控、限制出境请求；公安答复、发现车辆和确认回执会自动出现在这里。查人请求过了有效期，公安不再答复。"),
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "primary", id: "police-new-locate", onclick: () => fileDialog("LOCATE") }, "查人"),
        h("button", { type: "button", class: "primary", id: "police-new-watch", onclick: () => fileDialog("VEHICLE_WATCH") }, "车辆布控"),
        h("button", { type: "button", class: "primary", id: "police-new-exit", onclick: () => fileDialog("EXIT_BAN") }, "限制出境"),
      ),
      list,
    ),
  );
  // answers and sightings appear by themselves (the first ten requests still under way)
  for (const id of active.slice(0, 10)) onLeave(follow(FOLLOW, { id }, reloadSoon));
}

async function answerDialog(r) {
  // What the registers hold on the respondent (reading it is on record); the officer ticks what
  // to send and may add one record by hand.
  let holdings = [];
  let unreadable = null;
  try {
    const { data, errors } = await busy("正在读取公安登记信息…", gql(HOLDINGS, { id: r.id }));
    holdings = data.policeRequest?.holdings || [];
    if (errors.length) unreadable = errors.map((e) => e.message).join("；");
  } catch (err) {
    unreadable = err.message;
  }
  const boxes = holdings.map((f, i) => h("input", { type: "checkbox", name: `holding-${i}`, value: String(i), dataset: { holding: String(i) } }));
  const picked = h(
    "div",
    { id: "answer-holdings", class: "field wide" },
    h("strong", {}, "公安登记信息（最新在前，勾选要提供的）"),
    unreadable
      ? h("p", { class: "denied-block" }, `登记信息暂不可读：${unreadable}`)
      : holdings.length
        ? h(
            "ul",
            { class: "findings" },
            holdings.map((f, i) => h("li", {}, h("label", {}, boxes[i], ` ${FINDINGS[f.category]} · ${fmtDateTime(f.at)} · ${f.place} · ${f.detail}`))),
          )
        : h("p", { class: "muted" }, "登记信息中没有该被执行人的住宿、订票或卡口记录。"),
    h("p", { class: "muted" }, "也可在下面另填一条；地点不填则只提供勾选的信息。"),
  );
  const { inputs } = dialogForm(
    `答复查人请求：${r.id}`,
    [
      ["category", "信息类别", "select", Object.entries(FINDINGS), "ACCOMMODATION"],
      ["at", "时间（北京时间）", "datetime-local"],
      ["place", "地点"],
    ],
    async ({ category, at, place }) => {
      const findings = holdings.filter((_, i) => boxes[i].checked).map(({ category, at, place, detail }) => ({ category, at, place, detail }));
      if (place) findings.push({ category, at, place });
      if (!findings.length) throw new Error("请勾选登记信息，或另填一条记录的地点");
      const { data } = await busy("正在答复…", gql(ANSWER, { id: r.id, input: { findings } }));
      return data.policeRequestAnswer;
    },
    picked,
  );
  inputs.at.value = courtNowLocal();
  inputs.place.required = false;
  for (const [name, el] of Object.entries(inputs)) el.id = `answer-${name}`;
}

function simple(r, title, name, text, query, variables) {
  dialogForm(`${title}：${r.id}`, [[name, text]], async (values) => {
    const { data } = await busy("正在提交…", gql(query, variables(values)));
    return Object.values(data)[0];
  });
}

function sightingDialog(r) {
  const { inputs } = dialogForm(`记录发现车辆 ${r.plate}`, [["checkpoint", "卡口"], ["place", "地点"], ["at", "通过时间（北京时间）", "datetime-local"]], async (input) => {
    const { data } = await busy("正在记录…", gql(SIGHTING, { id: r.id, input }));
    return data.policeSightingRecord;
  });
  inputs.at.value = courtNowLocal();
}

function handOverDialog(r) {
  const { inputs } = dialogForm(`移交车辆 ${r.plate}`, [["receiptNumber", "移交回执号"], ["place", "移交地点"], ["at", "移交时间（北京时间）", "datetime-local"]], async (input) => {
    const { data } = await busy("正在登记移交…", gql(HAND_OVER, { id: r.id, input }));
    return data.policeVehicleHandOver;
  });
  inputs.at.value = courtNowLocal();
}

function policeActions(r) {
  const button = (text, cls, onclick, key) => h("button", { type: "button", class: cls, onclick, dataset: { [key]: r.id } }, text);
  const refuse = () => simple(r, "拒绝请求", "reason", "拒绝理由", REFUSE, ({ reason }) => ({ id: r.id, reason }));
  const confirm = (title) => () => simple(r, title, "receipt", "回执号", CONFIRM, ({ receipt }) => ({ id: r.id, receipt }));
  if (r.status === "OPEN" && r.kind === "LOCATE") return [button("答复", "primary", () => answerDialog(r), "answer"), button("拒绝", "danger", refuse, "refuse")];
  if (r.status === "OPEN" && r.kind === "VEHICLE_WATCH") return [button("确认布控", "primary", confirm("确认布控"), "confirm"), button("拒绝", "danger", refuse, "refuse")];
  if (r.status === "OPEN" && r.kind === "EXIT_BAN") return [button("确认边控", "primary", confirm("确认边控"), "confirm"), button("拒绝", "danger", refuse, "refuse")];
  if (r.status === "LIFT_REQUESTED") return [button("确认解除", "primary", confirm("确认解除边控"), "confirm")];
  const out = [];
  if (r.status === "WATCHING" || r.status === "STOP_REQUESTED") out.push(button("记录发现", "secondary", () => sightingDialog(r), "sighting"));
  if (r.status === "STOP_REQUESTED") out.push(button("移交车辆", "primary", () => handOverDialog(r), "handover"));
  return out;
}

export async function inbox() {
  const mount = screen();
  const list = await pagedList({
    id: "police-inbox-list",
    unit: "件",
    loading: "正在读取法院的协助请求…",
    fetchPage: async (after) => (await gql(INBOX, { after })).data.policeInbox,
    render: (nodes) =>
      table(
        ["请求", "法院案号 / 被执行人", "事由", "状态", ""],
        nodes.map((r) => [
          h("div", {}, h("strong", {}, what(r)), h("br"), h("small", {}, `${r.id} · ${fmtDateTime(r.filedAt)}`)),
          h("div", {}, r.caseNumber, h("br"), r.subjectId),
          h("div", {}, r.reason, h("br"), h("small", {}, r.rulingNumber)),
          statusBadge(r.status),
          h("div", { class: "row" }, policeActions(r)),
        ]),
        (i) => ({ dataset: { police: nodes[i].id, status: nodes[i].status } }),
      ),
  });
  mount(
    h("h1", {}, "公安协助收件箱"),
    card(null, h("p", { class: "muted" }, "法院的查人、车辆布控、限制出境请求：能提供的信息请答复，不能提供的请写明理由拒绝；布控中的车辆发现后请记录卡口、时间和地点，法院会即时收到。"), list),
  );
}
