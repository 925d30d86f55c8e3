// The console is a client of the hub's GraphQL API with the user's token, like any other.

import { LABELS, agencyName } from "./labels.js";

const TOKEN_KEY = "fyt.console.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The session ended on the server's word (expired or refused token): main.js listens. */
export class SignedOut extends Error {}

/** A request that failed as a whole; `message` is in plain words, `errors` are the API's. */
export class ApiError extends Error {
  constructor(message, errors = []) {
    super(message);
    this.errors = errors;
  }
}

/**
 * One API error in plain words (Chinese), from its code, reason and rule: the API's own message
 * (English, for operators) is not shown, only kept on the error (`detail`).
 */
export function describe(error) {
  const ext = error.extensions || {};
  const code = ext.code;
  switch (code) {
    case "UNAUTHENTICATED":
      return "登录已失效，请重新登录";
    case "FORBIDDEN":
      return "无权限：" + (LABELS.reason[ext.reason] || "您的角色无权进行此操作");
    case "PURPOSE_REQUIRED":
      return "查询须选择您承办的、未结案的执行案件，且被查询人须为该案当事人";
    case "BAD_USER_INPUT":
      return "输入有误：" + (LABELS.rule[ext.rule] || "请检查填写的内容");
    case "NOT_FOUND":
      return "未找到：所指的记录不存在，或不在您可办理的范围内";
    case "CONFLICT":
      if (ext.reason === "RENEWAL_WINDOW") return "尚未到续行期：期限届满前的续行期内方可续行";
      if (ext.reason === "TERM_ENDED") return "期限已届满，查封、冻结的效力已消灭，不能续行";
      if (LABELS.reason[ext.reason]) return "与已有记录冲突：" + LABELS.reason[ext.reason];
      return "与记录的当前状态冲突（可能已由他人办理），请刷新后再试";
    case "CONNECTOR_UNAVAILABLE":
      return `${agencyName(ext.connector)}暂时无法访问，这部分信息未能取得`;
    case "CONNECTOR_TIMEOUT":
      return `${agencyName(ext.connector)}响应超时，这部分信息未能取得`;
    case "RATE_LIMITED":
      return "请求过于频繁，请稍后再试" + (LABELS.reason[ext.reason] ? `（${LABELS.reason[ext.reason]}）` : "");
    case "QUERY_TOO_COMPLEX":
      return "查询过于复杂，已被拒绝";
    case "AUDIT_UNAVAILABLE":
      return "审计系统暂不可用：为保证每次查询留痕，本次未返回数据，请稍后再试";
    case "INTERNAL_SERVER_ERROR":
      return `系统内部错误，请联系运维人员（请求编号 ${ext.requestId || "未知"}）`;
    default:
      return LABELS.code[code] ? `请求未能完成：${LABELS.code[code]}` : "请求未能完成，请稍后再试";
  }
}

/**
 * Run a GraphQL operation. Resolves to {data, errors} (errors may hold per-field refusals,
 * which the pages show in place). Throws SignedOut when the token is refused, ApiError when
 * there is no data or a root field was refused (unless `nullRoot`).
 */
export async function gql(query, variables = {}, { nullRoot = false } = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  const t = token();
  if (t) headers.authorization = "Bearer " + t;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("无法连接到府院通服务，请检查网络或稍后再试");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`服务返回了无法识别的应答（HTTP ${response.status}）`);
  }
  const errors = body.errors || [];
  if (errors.some((e) => (e.extensions || {}).code === "UNAUTHENTICATED")) {
    setToken(null);
    throw new SignedOut(describe(errors.find((e) => e.extensions.code === "UNAUTHENTICATED")));
  }
  if (body.data == null) {
    throw new ApiError(errors.length ? errors.map(describe).join("；") : "请求失败", errors);
  }
  // A root field refused as a whole (bad input, no permission) fails the request, unless the
  // page shows such refusals itself (the profile look-up).
  const refused = errors.filter((e) => e.path && e.path.length === 1 && body.data[e.path[0]] == null);
  if (refused.length && !nullRoot) {
    throw new ApiError([...new Set(refused.map(describe))].join("；"), errors);
  }
  return { data: body.data, errors };
}

/** Errors by response path ("person.identity.phone"), for showing refusals in place. */
export function errorsByPath(errors) {
  const map = new Map();
  for (const e of errors || []) {
    if (e.path) map.set(e.path.join("."), e);
  }
  return map;
}

export async function consoleApi(path, options = {}) {
  let response;
  try {
    response = await fetch("/console/api/" + path, options);
  } catch {
    throw new ApiError("无法连接到府院通服务，请检查网络或稍后再试");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.error || `请求失败（HTTP ${response.status}）`);
  return body;
}

/**
 * Follow a subscription over graphql-transport-ws with the user's token; `onNext` gets each
 * result's data. Returns a function that stops following. Failures are quiet: the page still
 * works by reloading, it only stops updating by itself.
 */
export function follow(query, variables, onNext) {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  let socket;
  try {
    socket = new WebSocket(url, "graphql-transport-ws");
  } catch {
    return () => {};
  }
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: "Bearer " + token() } }));
  };
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "next" && message.payload && message.payload.data) {
      onNext(message.payload.data);
    }
  };
  return () => {
    socket.onmessage = null;
    if (socket.readyState <= 1) socket.close(1000);
  };
}
