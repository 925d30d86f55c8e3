// The console is a client of the hub's GraphQL API with the user's token, like any other.

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

const AGENCIES = {
  public_security: "公安机关",
  real_estate: "不动产登记机构",
  market_supervision: "市场监管部门",
  social_security: "人社部门",
  court: "法院",
};

export function agencyName(name) {
  return AGENCIES[name] || name;
}

export const REASONS = {
  CASE_UNKNOWN: "所选案件不存在",
  CASE_OTHER_COURT: "所选案件不属于本院",
  CASE_CLOSED: "所选案件已结案，不能再据此查询",
  NOT_ASSIGNED: "您不是所选案件的承办人",
  NOT_A_PARTY: "该主体不是所选案件的当事人",
  NOT_A_RESPONDENT: "非本案被执行人（被保全人）：财产信息和查控措施仅限被执行人",
  CASE_TYPE: "所选案件不是执行或保全案件，不能据此查控财产",
  POLICY: "您的角色无权查看该内容",
};

const RULES = {
  GB11643_LENGTH: "身份证号码应为 18 位",
  GB11643_CHARACTERS: "身份证号码只能由数字组成，最后一位可为 X",
  GB11643_REGION: "身份证号码的地区码不存在",
  GB11643_BIRTH_DATE: "身份证号码中的出生日期不正确",
  GB11643_CHECK_CHARACTER: "身份证号码校验位不正确，请核对",
  GB32100_LENGTH: "统一社会信用代码应为 18 位",
  GB32100_CHARACTERS: "统一社会信用代码含有不允许的字符",
  GB32100_AUTHORITY: "统一社会信用代码的登记管理部门码不正确",
  GB32100_REGION: "统一社会信用代码第 3–8 位（登记管理机关行政区划码）不存在",
  GB32100_ORGANIZATION_CODE: "统一社会信用代码第 9–17 位（组织机构代码）校验位不正确，请核对",
  GB32100_CHECK_CHARACTER: "统一社会信用代码校验位不正确，请核对",
  TERM_POSITIVE: "期限至少为 1 个月（或 1 天）",
  TERM_TOO_LONG: "期限超出法定上限（动产 2 年，不动产和股权 3 年）",
  TERM_ONE_UNIT: "期限请只按月或只按天填写一种",
  CASE_NUMBER_EMPTY: "请填写案号",
  CASE_NUMBER_FORMAT: "案号格式不正确，例如（2026）鲁0602执123号",
  CASE_NUMBER_YEAR: "案号中的年份不正确",
  KIND_FOR_ASSET: "措施与财产类型不符：不动产查封，车辆查封或扣押，股权冻结",
  OVER_SEIZURE: "明显超标的额查控（《查封规定》第十九条），须填写超标的查封确认理由",
  PAGE_SIZE: "每页条数超出范围",
  CURSOR: "翻页参数无效，请重新查询",
  TIME_RANGE: "起始时间须早于结束时间",
  DATE_RANGE: "日期范围无效（起始不得晚于结束，且不超过 366 天）",
};

/** One API error in plain words (Chinese), keeping the API's own text as the detail. */
export function describe(error) {
  const ext = error.extensions || {};
  const code = ext.code;
  switch (code) {
    case "UNAUTHENTICATED":
      return "登录已失效，请重新登录";
    case "FORBIDDEN":
      return "无权限：" + (REASONS[ext.reason] || "您的角色无权进行此操作");
    case "PURPOSE_REQUIRED":
      return "查询须选择您承办的、未结案的执行案件，且被查询人须为该案当事人";
    case "BAD_USER_INPUT": {
      return "输入有误：" + (RULES[ext.rule] || error.message);
    }
    case "NOT_FOUND":
      return "未找到：" + error.message;
    case "CONFLICT":
      if (ext.reason === "RENEWAL_WINDOW") return "尚未到续行期（期限届满前的续行期内方可续行）：" + error.message;
      if (ext.reason === "TERM_ENDED") return "期限已届满，查封、冻结的效力已消灭，不能续行：" + error.message;
      return "与已有记录冲突：" + error.message;
    case "CONNECTOR_UNAVAILABLE":
      return `${agencyName(ext.connector)}暂时无法访问，这部分信息未能取得`;
    case "CONNECTOR_TIMEOUT":
      return `${agencyName(ext.connector)}响应超时，这部分信息未能取得`;
    case "RATE_LIMITED":
      return "请求过于频繁，请稍后再试";
    case "QUERY_TOO_COMPLEX":
      return "查询过于复杂，已被拒绝";
    case "AUDIT_UNAVAILABLE":
      return "审计系统暂不可用：为保证每次查询留痕，本次未返回数据，请稍后再试";
    case "INTERNAL_SERVER_ERROR":
      return `系统内部错误，请联系运维人员（请求编号 ${ext.requestId || "未知"}）`;
    default:
      return error.message || "未知错误";
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
