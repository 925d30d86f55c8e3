// The console's one label table: every code the API sends — statuses, events, actions,
// outcomes, reasons, rules, agencies, roles, lists and grounds — in the words the pages show,
// and court names from the hub's own court table (`courts`, read once after sign-in).
// A label only names a value the page was already given; it never fetches a field.

export const LABELS = {
  // orders, their line and the agencies' registers; cases; sanction-list entries
  status: {
    SUBMITTED: "已提交", DELIVERED: "已送达", EFFECTIVE: "已生效", WAITING: "轮候中",
    REJECTED: "已退回", RELEASED: "已解除", EXPIRED: "已到期",
    OPEN: "未结", CLOSED: "已结", ACTIVE: "有效", REVOKED: "已撤销",
    ANNULLED: "已撤销", DELETED: "已删除", LIFTED: "已解除",
  },
  // a case's status, as its party reads it (the enterprise party's portal)
  caseStatus: { OPEN: "执行中（未结案）", CLOSED: "已结案" },
  // an order's transitions (freezeOrderEvents.event)
  orderEvent: {
    SUBMITTED: "提交", DELIVERED: "送达", ACCEPTED: "登记回执", WAITING: "进入轮候",
    EFFECTIVE: "生效", REJECTED: "退回", RELEASED: "解除", EXPIRED: "期限届满", RENEWED: "续行",
    DEDUCT_ASKED: "提出扣划", DEDUCTED: "已扣划", DEDUCT_REFUSED: "扣划被拒",
  },
  kind: { SEIZE: "查封", DETAIN: "扣押", FREEZE: "冻结" },
  asset: { REAL_ESTATE: "不动产", VEHICLE: "机动车", EQUITY: "股权", DEPOSIT: "银行存款" },
  freeze: { NORMAL: "正常", FROZEN: "已冻结" },
  // deposits: the kind of account, its currency (ISO 4217) and the unit amounts are shown in
  depositKind: { CURRENT: "活期", TIME: "定期" },
  currency: { CNY: "人民币", USD: "美元", EUR: "欧元", HKD: "港元", JPY: "日元", GBP: "英镑" },
  currencyUnit: { CNY: "元", USD: "美元", EUR: "欧元", HKD: "港元", JPY: "日元", GBP: "英镑" },
  // a deduction (扣划) from a freeze of deposits, and the bank's answer to it
  deductionStatus: { PENDING: "划款中（待银行回执）", DONE: "已划款", REFUSED: "银行拒绝" },
  // whether a bank answered a look-up of deposits
  bankAnswer: { ANSWERED: "已答复", TIMEOUT: "超时未答复", UNAVAILABLE: "无法连接" },
  // an asynchronous 查控 request (depositInquiry): the request, and where each bank stands with it
  inquiryStatus: { OPEN: "查询中", DONE: "已完成" },
  inquiryBankState: { PENDING: "等待答复", ANSWERED: "已答复", TIMED_OUT: "超时未答复" },
  // why a bank's last try failed (the request asks it again later)
  inquiryError: { CONNECTOR_TIMEOUT: "银行系统响应超时", CONNECTOR_UNAVAILABLE: "银行系统无法访问" },
  vehicle: { NORMAL: "正常", MORTGAGED: "抵押", SEIZED: "查封", STOLEN: "被盗抢" },
  insurance: { PENSION: "养老保险", MEDICAL: "医疗保险", UNEMPLOYMENT: "失业保险", INJURY: "工伤保险", MATERNITY: "生育保险" },
  subject: { PERSON: "自然人", ENTERPRISE: "企业" },
  // a person's role in an enterprise (market supervision)
  role: { LEGAL_REPRESENTATIVE: "法定代表人", SHAREHOLDER: "股东", KEY_PERSONNEL: "主要人员" },
  // whom a listed enterprise's consumption restriction binds (法释〔2015〕17号 第三条第二款)
  boundRole: { LEGAL_REPRESENTATIVE: "法定代表人", PRINCIPAL: "主要负责人", DIRECTLY_RESPONSIBLE: "直接责任人员", ACTUAL_CONTROLLER: "实际控制人" },
  list: { DISHONEST: "失信被执行人名单", CONSUMPTION_RESTRICTION: "限制消费名单" },
  ground: {
    ABLE_NOT_PERFORMING: "有履行能力而拒不履行", OBSTRUCTING: "妨碍、抗拒执行", EVADING: "规避执行",
    ASSET_REPORT: "违反财产报告制度", CONSUMPTION_ORDER: "违反限制消费令", SETTLEMENT: "拒不履行执行和解协议",
    NOT_PERFORMED: "未按执行通知履行", DISHONEST_LISTED: "已纳入失信名单", UNKNOWN: "情形未记录",
  },
  endGround: {
    PERFORMED: "已履行完毕", SETTLEMENT_PERFORMED: "和解协议履行完毕", APPLICANT_REQUEST: "申请执行人申请删除",
    NO_PROPERTY_FOUND: "终本后未发现财产", SUSPENDED: "裁定中止执行", NOT_ENFORCED: "裁定不予执行",
    TERMINATED: "裁定终结执行", EARLY: "提前删除", TERM_ENDED: "纳入期限届满", GUARANTEE: "提供有效担保",
    APPLICANT_CONSENT: "申请执行人同意", WRONGLY_LISTED: "不应纳入（撤销）",
  },
  decision: { BLOCK: "拦截", ALLOW: "放行" },
  // an enterprise party's requests (诉求反映), the judge's answer, the courts' publications
  requestKind: { RELEASE: "申请解除", PERFORMANCE: "申请履行", CREDIT_REPAIR: "信用修复", OTHER: "其他" },
  requestStatus: { OPEN: "待答复", GRANTED: "准许", REFUSED: "不予准许", NOTED: "已阅" },
  requestDecision: { GRANTED: "准许", REFUSED: "不予准许", NOTED: "已阅（不作准许与否的决定）" },
  documentKind: { JUDGMENT: "裁判文书", EXECUTION_INFO: "执行信息" },
  // the audit log: what was done, how it ended, what was flagged
  action: {
    PROFILE_VIEW: "查看全息视图", REFERENCE_VIEW: "关联查看", SUBJECTS_SHOWN: "显示关联主体",
    CASE_LIST: "案件列表", AUDIT_QUERY: "审计查询", ACCESS_REFUSED: "越权访问（已拒绝）",
    ORDER_VIEW: "查看查控文书", ORDER_LIST: "查控文书列表", ORDER_ASSESS: "超标的查封核算",
    ORDER_SUBMIT: "提交查控文书", ORDER_RELEASE: "解除查封 / 冻结", ORDER_RENEW: "续行查封 / 冻结",
    ORDER_ACCEPT: "登记回执", ORDER_REJECT: "退回文书",
    ORDER_SUBMITTED: "文书已提交", ORDER_DELIVERED: "文书已送达", ORDER_ACCEPTED: "文书已登记",
    ORDER_WAITING: "文书进入轮候", ORDER_EFFECTIVE: "文书生效", ORDER_REJECTED: "文书被退回",
    ORDER_RELEASED: "文书已解除", ORDER_EXPIRED: "文书期限届满", ORDER_RENEWED: "文书已续行",
    ORDER_DEDUCTED: "存款已扣划", ORDER_DEDUCT_REFUSED: "银行拒绝扣划",
    DEPOSIT_DEDUCT: "扣划存款", DEPOSIT_DEDUCTION_VIEW: "查看扣划", DEPOSIT_LEDGER_VIEW: "查看扣划台账",
    DEPOSIT_INQUIRY_FILE: "提交存款查控请求", DEPOSIT_INQUIRY_VIEW: "查看存款查控结果",
    DEPOSIT_INQUIRY_LIST: "存款查控请求列表", DEPOSIT_INQUIRY_ANSWER: "银行答复存款查控",
    SANCTION_CHECK: "联合惩戒核查", SANCTION_PUBLISH: "纳入名单", SANCTION_REVOKE: "撤出名单",
    SANCTION_ANNUL: "撤销名单信息", SANCTION_DELETE: "删除 / 解除名单信息", SANCTION_CORRECT: "更正名单信息",
    SANCTION_RELEASE: "解除对关联人员的限制", SANCTION_FEEDBACK: "核查处理反馈", SANCTION_FEED: "名单变动订阅",
    SANCTION_LIST: "名单信息列表",
    PARTY_VIEW: "企业查看本企业信息", PARTY_REQUEST_FILE: "企业诉求反映",
    PARTY_REQUEST_INBOX: "查看诉求待办", PARTY_REQUEST_ANSWER: "答复企业诉求",
    CASE_DOCUMENT_PUBLISH: "公开裁判文书 / 执行信息",
    POLICE_REQUEST_FILE: "提出公安协助请求", POLICE_REQUEST_CANCEL: "撤回公安协助请求",
    POLICE_VEHICLE_STOP: "请求查扣车辆", POLICE_EXIT_BAN_LIFT: "解除限制出境",
    POLICE_LOCATE_ANSWER: "公安答复查人", POLICE_REQUEST_REFUSE: "公安拒绝协助",
    POLICE_REQUEST_CONFIRM: "公安确认回执", POLICE_SIGHTING_RECORD: "记录发现布控车辆",
    POLICE_VEHICLE_HAND_OVER: "移交查扣车辆", POLICE_REQUEST_END: "布控随查封结束",
    POLICE_REQUEST_EXPIRE: "公安协助请求失效", POLICE_REQUEST_LIST: "公安协助请求列表",
    POLICE_REQUEST_VIEW: "查看公安协助请求", POLICE_EVENT_DELIVER: "推送公安协助进展",
  },
  outcome: {
    OK: "成功", PARTIAL: "部分成功", NOT_FOUND: "未找到", DENIED: "被拒绝", PURPOSE_REQUIRED: "缺少查询事由",
    RATE_LIMITED: "超出频次限制", CONFLICT: "因状态被拒", SHOWN: "随结果显示", CANCELLED: "已取消",
    CONNECTOR_UNAVAILABLE: "部门系统无法访问", CONNECTOR_TIMEOUT: "部门系统响应超时",
    BLOCK: "拦截", ALLOW: "放行",
  },
  flag: {
    NO_CASE: "无案查询", CASE_CLOSED: "结案后查询", CASE_OTHER_COURT: "他院案件",
    DENIED_BURST: "频繁被拒", OFF_HOURS: "非工作时间", BULK: "批量查询", ENUMERATION: "疑似枚举",
  },
  // why something was refused (errors' extensions.reason, the audit log's reason)
  reason: {
    CASE_UNKNOWN: "所选案件不存在",
    CASE_OTHER_COURT: "所选案件不属于本院",
    CASE_CLOSED: "所选案件已结案，不能再据此查询",
    NOT_ASSIGNED: "您不是所选案件的承办人",
    NOT_A_PARTY: "该主体不是所选案件的当事人",
    NOT_A_RESPONDENT: "非本案被执行人（被保全人）：财产信息和查控措施仅限被执行人",
    CASE_TYPE: "所选案件不是执行或保全案件，不能据此查控财产",
    POLICY: "您的角色无权查看该内容",
    OTHER_COURT: "该记录属于其他法院",
    NOT_ADDRESSEE: "该文书不是送达本机关的",
    NOT_A_COURT: "只有法院可以办理",
    MEASURE_EXISTS: "本案对该财产已有一项查控措施",
    FREEZE_NOT_EFFECTIVE: "该冻结未生效，不能扣划",
    BANK_ANSWERS: "存款冻结由银行系统自动登记，无需登记回执",
    IDEMPOTENCY_KEY_REUSED: "该请求编号已用于另一笔扣划",
    MATTER_NOT_GRANTED: "该事项不由本部门审批",
    RENEWAL_WINDOW: "尚未到续行期",
    TERM_ENDED: "期限已届满",
    ENUMERATION: "一日内查询不存在的主体过多（疑似枚举）",
    VOLUME: "一小时内查询的主体过多",
    REFUSALS: "一小时内被拒绝的请求过多",
    PAUSE: "上一次完整性核验刚完成，稍后方可再次核验，可先查看该次报告",
    NOT_OWN_CASE: "所选案件不是本企业作为当事人的案件",
    NOT_AN_ENTERPRISE: "只有企业授权人可以提交诉求",
    CLIENT_REQUEST_ID_REUSED: "这份诉求的编号已用于另一份内容不同的诉求，请刷新页面后重新填写",
    ANSWERED: "该诉求已经答复过，每份诉求只答复一次",
    NOTHING_TO_RELEASE: "本案在该企业财产上没有正在生效或轮候中的措施可以解除，请改为“已阅”或“不予准许”",
    NOTHING_TO_REPAIR: "本案该企业没有有效的名单信息可以删除或解除，请改为“已阅”或“不予准许”",
    REQUEST_UNKNOWN: "该诉求不在您的待办中",
    // an error code recorded as the reason of a refused action
    FORBIDDEN: "无权限",
    PURPOSE_REQUIRED: "未选择查询事由（执行案件）",
    NOT_FOUND: "所指的记录不存在",
    CONFLICT: "与记录的当前状态冲突",
    BAD_USER_INPUT: "输入有误",
    RATE_LIMITED: "超出频次限制",
  },
  // which input rule was broken (BAD_USER_INPUT's extensions.rule)
  rule: {
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
    TERM_TOO_LONG: "期限超出法定上限（存款 1 年，动产 2 年，不动产和股权 3 年）",
    TERM_ONE_UNIT: "期限请只按月或只按天填写一种",
    TERM_EXTENSION: "纳入期限的延长不符合规定",
    CASE_NUMBER_EMPTY: "请填写案号",
    CASE_NUMBER_FORMAT: "案号格式不正确，例如（2026）鲁0602执123号",
    CASE_NUMBER_YEAR: "案号中的年份不正确",
    KIND_FOR_ASSET: "措施与财产类型不符：不动产查封，车辆查封或扣押，股权和存款冻结",
    AMOUNT_REQUIRED: "请填写冻结金额",
    AMOUNT_POSITIVE: "金额须大于零",
    AMOUNT_CENTS: "金额最多保留两位小数（分）",
    AMOUNT_ABOVE_OUTSTANDING: "冻结金额超出本案执行标的",
    AMOUNT_ABOVE_FROZEN: "扣划金额超出该冻结尚可扣划的金额",
    // checked by the console before sending (the form of what was typed; what a bank can freeze)
    AMOUNT_FORMAT: "金额请按元填写数字，最多两位小数，例如 50000.00",
    AMOUNT_ABOVE_AVAILABLE: "冻结金额超出该账户的可用余额（银行只冻结可用余额以内的部分）",
    CURRENCY_OF_ACCOUNT: "币种与账户币种不符",
    CURRENCY_NOT_CNY: "外币账户请以纸质文书冻结（本系统只按人民币核算）",
    DEDUCT_FROM_DEPOSIT_FREEZE: "只能从存款冻结中扣划",
    OVER_SEIZURE: "明显超标的额查控（《查封规定》第十九条），须填写超标的查封确认理由",
    PAGE_SIZE: "每页条数超出范围",
    PAGE_OFFSET: "翻页位置无效",
    CURSOR: "翻页参数无效，请重新查询",
    SEARCH_TEXT: "查找内容过长（最多 64 个字符）",
    TIME_RANGE: "起始时间须早于结束时间",
    DATE_RANGE: "日期范围无效（起始不得晚于结束，且不超过 366 天）",
    RANGE: "范围无效",
    TEXT_LENGTH: "文字长度不符合要求（不能为空，也不能过长）",
    NOT_IN_FUTURE: "日期不能晚于今天",
    BEFORE_FILING: "日期不能早于立案日期",
    GROUND_REQUIRED: "请选择情形",
    GROUND_OF_LIST: "所选情形不属于该名单",
    END_GROUND: "所选事由不适用于该名单信息",
    RELEASE_GROUND: "所选解除事由不适用",
    REASON_REQUIRED: "请填写理由",
    MINOR: "未成年人不得纳入失信被执行人名单",
    NOT_ON_REGISTER: "该人员不在该企业的登记信息中",
    NOT_THE_LEGAL_REPRESENTATIVE: "该人员不是该企业登记的法定代表人",
    BOUND_ROLE: "关联人员的身份不正确",
    BOUND_PERSONS_OF_ENTERPRISE: "只有企业的名单信息可以关联人员",
    NOTHING_TO_CORRECT: "没有需要更正的内容",
    NOT_A_BLOCK: "只能对拦截结果反馈处理情况",
    FEEDBACK_ACTION: "处理情况无效",
    MATTER_UNKNOWN: "审批事项不存在",
    MATTER_SUBJECT_KIND: "该审批事项不适用于此类主体",
    ONE_IDENTIFIER: "请只填写身份证号码或统一社会信用代码中的一项",
    SUBJECT_KIND: "主体类型不正确",
    BATCH_EMPTY: "请至少填写一个主体",
    BATCH_SIZE: "一次查询的主体过多",
    DUPLICATE_SUBJECT: "同一主体只能填写一次",
    FILTER_SUBJECT: "查询对象的证件号码不正确",
    ENTRY_ID: "名单信息编号无效",
    TREE_SIZE: "树大小无效",
    OUTCOME: "结果条件无效",
    FLAG: "异常标记条件无效",
    VARIABLE_REQUIRED: "缺少必填项",
    VARIABLE_TYPE: "填写的内容类型不正确",
    PAYLOAD_TOO_LARGE: "提交的内容过大",
    CONTROL_CHARACTER: "文字中含有不允许的控制字符（换行除外）",
    RESPONDENT_ONLY: "申请解除和信用修复只能由本案被执行人（被保全人）提出",
    SHA256_HEX: "附件指纹应为 64 位十六进制的 SHA-256 值",
    RULING_REQUIRED: "准许申请解除须填写解除裁定书文号",
    RELEASE_ONLY: "裁定书文号和文书编号只用于准许申请解除",
    NOT_RELEASABLE: "所选文书不是本案在该企业财产上可以解除的措施",
    ID_NUMBER_IN_TEXT: "公开的文字中不得含有自然人的身份证号码（法释〔2016〕19号 第十条）",
  },
  // error codes (extensions.code), when a page names the kind of failure
  code: {
    UNAUTHENTICATED: "未登录或登录已失效", FORBIDDEN: "无权限", PURPOSE_REQUIRED: "缺少查询事由",
    BAD_USER_INPUT: "输入有误", NOT_FOUND: "未找到", CONFLICT: "状态冲突",
    CONNECTOR_UNAVAILABLE: "部门系统无法访问", CONNECTOR_TIMEOUT: "部门系统响应超时",
    QUERY_TOO_COMPLEX: "查询过于复杂", RATE_LIMITED: "请求过于频繁", AUDIT_UNAVAILABLE: "审计系统不可用",
    INTERNAL_SERVER_ERROR: "系统内部错误",
  },
  // the agencies (an org is agency:<key>; connectors are named by the key)
  agency: {
    public_security: "公安机关",
    real_estate: "不动产登记机构",
    market_supervision: "市场监管部门",
    social_security: "人社部门",
    tax: "税务部门",
    utilities: "供水、供电、供气单位",
    court: "法院",
    // the banks: bank:<code>, one connector each (docs/banks.md; the demo's codes)
    "bank:102": "中国工商银行",
    "bank:103": "中国农业银行",
    "bank:104": "中国银行",
    "bank:105": "中国建设银行",
    "bank:301": "交通银行",
    "bank:403": "中国邮政储蓄银行",
    "bank:308": "招商银行",
    "bank:313": "烟台银行",
  },
  // a user's roles (token roles)
  userRole: {
    enforcement_judge: "执行法官",
    registry_officer: "不动产登记员",
    market_officer: "市场监管人员",
    police_officer: "公安民警",
    social_officer: "社保经办人员",
    bank_officer: "银行协助执行人员",
    auditor: "审计员",
    approval_system: "审批系统",
    enterprise_party: "企业授权人",
  },
};

/** The label of a code in a group; a value with no label is shown as it is. */
export function label(group, value) {
  if (value == null) return "—";
  return (LABELS[group] || {})[value] || value;
}

export function agencyName(key) {
  return label("agency", key);
}

export function roleName(role) {
  return label("userRole", role);
}

let courts = new Map(); // code -> name, from the hub's court table

/** The courts the hub knows (`courts { code name }`), kept for this session. */
export function setCourts(list) {
  courts = new Map((list || []).map((c) => [c.code, c.name]));
}

/** A court's name from the hub's court table; a court the table does not hold, by its code. */
export function courtName(code) {
  if (code == null || code === "") return "—";
  return courts.get(code) || `法院（代码 ${code}）`;
}

/** An org (court:370602, agency:real_estate) by name. */
export function orgName(org) {
  if (!org) return "—";
  if (org.startsWith("court:")) return courtName(org.slice("court:".length));
  if (org.startsWith("agency:")) return agencyName(org.slice("agency:".length));
  if (org.startsWith("bank:")) return agencyName(org);
  // an enterprise party acts for an enterprise, named by its unified social credit code
  if (org.startsWith("enterprise:")) return `企业（统一社会信用代码 ${org.slice("enterprise:".length)}）`;
  return org;
}

/** The orgs the pages offer to choose from (the audit log's filter): courts, then agencies. */
export function orgChoices() {
  return [
    ...[...courts.entries()].map(([code, name]) => [`court:${code}`, name]),
    ...Object.entries(LABELS.agency)
      .filter(([key]) => key !== "court")
      .map(([key, name]) => [key.startsWith("bank:") ? key : `agency:${key}`, name]),
  ];
}
