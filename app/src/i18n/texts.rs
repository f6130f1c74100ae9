//! 文字表 — every string the app shows, each in Chinese and English (`Key`'s constants).

use super::Key;

#[expect(non_upper_case_globals, reason = "each names a text, as an enum variant would: `Key::HeroTitle`")]
impl Key {
    pub const AppName: Self = Self::new("一网通办", "Yiwang");
    pub const AppTagline: Self = Self::new("东莞政务服务", "Dongguan government services");
    pub const SkipToContent: Self = Self::new("跳到主要内容", "Skip to main content");
    pub const NavHome: Self = Self::new("首页", "Home");
    pub const NavCatalogue: Self = Self::new("办事指南", "Service guides");
    pub const SwitchLanguage: Self = Self::new("English", "中文");
    pub const SwitchLanguageLabel: Self = Self::new("Switch to English", "切换到中文");
    pub const SearchLabel: Self = Self::new("搜索事项", "Search services");
    pub const SearchPlaceholder: Self = Self::new("例如：社保、居住证", "e.g. residence permit");
    pub const SearchButton: Self = Self::new("搜索", "Search");
    pub const HeroTitle: Self = Self::new("一门式一网式政务服务", "One door, one network for government services");
    pub const HeroLead: Self = Self::new(
        "查看办事指南，一次了解需要准备的材料、办理时限和收费。",
        "Read the service guide to learn at once which materials to bring, how long it takes and what it costs.",
    );
    pub const ForPersons: Self = Self::new("个人办事", "For individuals");
    pub const ForEnterprises: Self = Self::new("法人办事", "For businesses");
    pub const BrowseAll: Self = Self::new("查看全部事项", "See all services");
    pub const Loading: Self = Self::new("正在加载…", "Loading…");
    pub const LoadingCatalogue: Self = Self::new("正在加载事项…", "Loading services…");
    pub const Retry: Self = Self::new("重试", "Try again");
    pub const NetworkError: Self = Self::new(
        "无法连接服务器，请检查网络后重试。",
        "Cannot reach the server. Check your connection and try again.",
    );
    pub const UnexpectedAnswer: Self = Self::new(
        "服务器的答复无法识别，请稍后再试。",
        "The server's answer could not be read. Please try again later.",
    );
    pub const CatalogueTitle: Self = Self::new("办事指南", "Service guides");
    pub const FilterObject: Self = Self::new("服务对象", "Who applies");
    pub const FilterTheme: Self = Self::new("主题", "Theme");
    pub const FilterDepartment: Self = Self::new("实施部门", "Department");
    pub const FilterAny: Self = Self::new("全部", "All");
    pub const ClearFilters: Self = Self::new("清除筛选", "Clear filters");
    pub const ResultsCount: Self = Self::new("共 {n} 个事项", "{n} services");
    pub const NoResults: Self = Self::new(
        "没有找到符合条件的事项，请换个关键词或清除筛选。",
        "No service matches. Try other words or clear the filters.",
    );
    pub const PagePrevious: Self = Self::new("上一页", "Previous");
    pub const PageNext: Self = Self::new("下一页", "Next");
    pub const PageOf: Self = Self::new("第 {n} 页", "Page {n}");
    pub const Pagination: Self = Self::new("分页", "Pages");
    pub const InstantItem: Self = Self::new("即办件", "Done on the spot");
    pub const PromisedItem: Self = Self::new("承诺件", "Promised time limit");
    pub const WorkingDays: Self = Self::new("{n} 个工作日", "{n} working days");
    pub const SameDay: Self = Self::new("当场办结", "Concluded the same day");
    pub const OnlineAvailable: Self = Self::new("可网上办理", "Apply online");
    pub const ELicenseCount: Self = Self::new("{n} 项材料可免提交", "{n} documents supplied by e-license");
    pub const ItemCode: Self = Self::new("事项编码", "Item code");
    pub const Department: Self = Self::new("实施部门", "Department");
    pub const ItemType: Self = Self::new("事项类型", "Type");
    pub const ServiceObject: Self = Self::new("服务对象", "Who applies");
    pub const Version: Self = Self::new("版本", "Version");
    pub const SectionConditions: Self = Self::new("受理条件", "Conditions for acceptance");
    pub const SectionMaterials: Self = Self::new("申请材料", "Materials");
    pub const SectionTimeLimits: Self = Self::new("办理时限", "Time limits");
    pub const SectionFees: Self = Self::new("收费标准", "Fees");
    pub const SectionLegalBasis: Self = Self::new("设定依据", "Legal basis");
    pub const SectionHowToApply: Self = Self::new("办理方式和地点", "How and where to apply");
    pub const SectionForm: Self = Self::new("申请表需填写", "The application form asks for");
    pub const StatutoryLimit: Self = Self::new("法定办结时限", "Statutory time limit");
    pub const PromisedLimit: Self = Self::new("承诺办结时限", "Promised time limit");
    pub const CommitmentAllowed: Self =
        Self::new("可选择告知承诺方式办理", "Can be processed on your written pledge (告知承诺)");
    pub const CommitmentLimit: Self = Self::new("告知承诺办结时限", "Time limit on pledge");
    pub const CommitmentNotAllowed: Self = Self::new("不适用告知承诺", "Pledge-based processing does not apply");
    pub const MaterialRequired: Self = Self::new("必需", "Required");
    pub const MaterialOptional: Self = Self::new("补充材料", "Supplementary");
    pub const MaterialOnlyIf: Self = Self::new("仅在以下情形提交：", "Only when:");
    pub const ELicenseSupplies: Self =
        Self::new("电子证照库可提供，无需提交", "Supplied by the e-license library: no need to bring it");
    pub const Originals: Self = Self::new("原件 {n} 份", "{n} original(s)");
    pub const Copies: Self = Self::new("复印件 {n} 份", "{n} photocopy(ies)");
    pub const Channels: Self = Self::new("办理渠道", "Channels");
    pub const Halls: Self = Self::new("办理地点", "Service halls");
    pub const FieldRequired: Self = Self::new("必填", "required");
    pub const BackToCatalogue: Self = Self::new("返回办事指南", "Back to service guides");
    pub const NotFoundTitle: Self = Self::new("页面不存在", "Page not found");
    pub const NotFoundLead: Self =
        Self::new("您访问的页面不存在或已调整。", "The page you asked for does not exist or has moved.");
    pub const GoHome: Self = Self::new("回到首页", "Go to the home page");
    pub const Footer: Self = Self::new(
        "一网通办 · 东莞市政务服务数据管理局",
        "Yiwang · Dongguan Government Service and Data Administration",
    );
    pub const NavLogin: Self = Self::new("登录", "Sign in");
    pub const LoginTitle: Self = Self::new("登录一网通办", "Sign in to Yiwang");
    pub const LoginLead: Self = Self::new(
        "一个账号，网上、手机、自助终端和窗口通用。",
        "One account for the web, your phone, kiosks and service hall windows.",
    );
    pub const IdNumber: Self = Self::new("身份证号码", "Resident identity number");
    pub const IdNumberHint: Self = Self::new("18位，最后一位可以是X", "18 characters; the last may be X");
    pub const Password: Self = Self::new("密码", "Password");
    pub const PasswordHint: Self = Self::new("至少8个字符", "At least 8 characters");
    pub const MobileCode: Self = Self::new("短信验证码", "Code from the text message");
    pub const MobileCodeHint: Self = Self::new("发送到上面手机号码的6位数字", "The 6 digits sent to the number above");
    pub const TotpCode: Self = Self::new("动态验证码", "Authenticator code");
    pub const TotpHint: Self =
        Self::new("工作人员请输入身份验证器上的6位数字", "Staff: the 6 digits shown by your authenticator app");
    pub const LoginButton: Self = Self::new("登录", "Sign in");
    pub const SigningIn: Self = Self::new("正在登录…", "Signing in…");
    pub const NoAccount: Self = Self::new("还没有账号？", "No account yet?");
    pub const RegisterLink: Self = Self::new("注册", "Register");
    pub const RegisterTitle: Self = Self::new("注册个人账号", "Register a personal account");
    pub const RegisterLead: Self =
        Self::new("请使用本人居民身份证号码注册。", "Register with your own resident identity number.");
    pub const Name: Self = Self::new("姓名", "Full name");
    pub const Mobile: Self = Self::new("手机号码", "Mobile number");
    pub const RegisterButton: Self = Self::new("注册并登录", "Register and sign in");
    pub const Registering: Self = Self::new("正在注册…", "Registering…");
    pub const HaveAccount: Self = Self::new("已有账号？", "Already registered?");
    pub const ErrorSummary: Self = Self::new("请修改以下内容：", "Please correct the following:");
    pub const AccountTitle: Self = Self::new("我的账户", "My account");
    pub const SignInFirst: Self = Self::new("请先登录后查看。", "Please sign in to see this page.");
    pub const Logout: Self = Self::new("退出登录", "Sign out");
    pub const ActingAs: Self = Self::new("当前办事身份", "Acting as");
    pub const ActingSelf: Self = Self::new("个人", "Myself");
    pub const ActForEnterprise: Self = Self::new("以此企业身份办事", "Act for this enterprise");
    pub const ActForSelf: Self = Self::new("切换为个人身份", "Act for myself");
    pub const CurrentlyActing: Self = Self::new("当前身份", "Current");
    pub const MyEnterprises: Self = Self::new("我的企业", "My enterprises");
    pub const NoEnterprises: Self = Self::new(
        "您目前不是任何企业的法定代表人或经办人。",
        "You are not the legal representative or an agent of any enterprise.",
    );
    pub const ManageAgents: Self = Self::new("管理经办人", "Manage agents");
    pub const StaffPost: Self = Self::new("工作岗位", "Staff post");
    pub const Roles: Self = Self::new("岗位角色", "Roles");
    pub const SecondFactorTitle: Self = Self::new("身份验证器", "Authenticator");
    pub const SecondFactorLead: Self = Self::new(
        "工作人员需绑定身份验证器，登录时输入动态验证码。",
        "Staff sign in with a code from an authenticator app. Set one up to continue.",
    );
    pub const EnrolButton: Self = Self::new("绑定身份验证器", "Set up an authenticator");
    pub const EnrolSecret: Self =
        Self::new("在身份验证器中添加以下密钥：", "Add this secret to your authenticator app:");
    pub const VerifyButton: Self = Self::new("验证", "Verify");
    pub const SecondFactorDone: Self = Self::new("已通过身份验证器验证", "Authenticator verified");
    pub const ResetAuthenticator: Self =
        Self::new("解除绑定并签发绑定码", "Remove the authenticator and issue a token");
    pub const ConfirmResetAuthenticator: Self = Self::new("确认解除绑定", "Confirm: remove the authenticator");
    pub const ResetWarning: Self = Self::new(
        "此人员现有的身份验证器将立即失效，其已登录的会话将被结束。仅在其丢失或更换手机时这样做。",
        "The member's authenticator stops working at once and their sessions end. Do this only for a lost or replaced phone.",
    );
    pub const ApplicantNameLabel: Self = Self::new("申请人姓名", "Applicant's name");
    pub const CurrentTotpCode: Self = Self::new("当前动态验证码", "Current authenticator code");
    pub const CurrentTotpHint: Self = Self::new(
        "更换前，请输入现在绑定的身份验证器上的6位数字",
        "Before replacing it, type the 6 digits your current authenticator shows",
    );
    pub const EnrolmentToken: Self = Self::new("绑定码", "Enrolment token");
    pub const EnrolmentTokenHint: Self = Self::new(
        "向安全管理员当面申领，24小时内有效，只能使用一次",
        "Ask a security administrator in person; it works once, within 24 hours",
    );
    pub const ReplaceAuthenticator: Self = Self::new("更换身份验证器", "Replace the authenticator");
    pub const OpenInAuthenticator: Self = Self::new("在身份验证器中打开", "Open in an authenticator app");
    pub const SecurityEventsTitle: Self = Self::new("登录安全记录", "Sign-in security changes");
    pub const NoSecurityEvents: Self = Self::new("暂无记录", "None yet");
    pub const StaffAdminLink: Self = Self::new("工作人员与身份验证器", "Staff and authenticators");
    pub const StaffAdminTitle: Self = Self::new("工作人员", "Staff");
    pub const StaffAdminLead: Self = Self::new(
        "为尚未绑定或丢失身份验证器的工作人员签发一次性绑定码。签发给已绑定的人员时，其原身份验证器即解除绑定。",
        "Issue a one-time enrolment token to a staff member who has no authenticator or lost it. Issuing one to a member with an authenticator removes it.",
    );
    pub const AuthenticatorBound: Self = Self::new("已绑定身份验证器", "Authenticator bound");
    pub const AuthenticatorNotBound: Self = Self::new("未绑定身份验证器", "No authenticator");
    pub const IssueEnrolmentToken: Self = Self::new("签发绑定码", "Issue an enrolment token");
    pub const EnrolmentTokenShownOnce: Self = Self::new(
        "绑定码只显示这一次，请当面交给本人：",
        "This token is shown only once: hand it to the member in person:",
    );
    pub const AuthenticatorWasReset: Self = Self::new(
        "原身份验证器已解除绑定，该人员已退出登录。",
        "The member's authenticator was removed and their sessions ended.",
    );
    pub const AgentsTitle: Self = Self::new("经办人管理", "Authorized agents");
    pub const AgentsLead: Self = Self::new(
        "经办人可以代表企业在线办事，所有操作都会记录经办人和企业。",
        "Agents may apply online for the enterprise; every act records both the agent and the enterprise.",
    );
    pub const NoAgents: Self = Self::new("尚未授权经办人。", "No agent is authorized yet.");
    pub const GrantTitle: Self = Self::new("授权新的经办人", "Authorize an agent");
    pub const GrantHint: Self = Self::new("经办人需先注册一网通办账号", "The agent must have registered first");
    pub const GrantButton: Self = Self::new("授权", "Authorize");
    pub const RevokeButton: Self = Self::new("撤销授权", "Revoke");
    pub const GrantedAt: Self = Self::new("授权时间", "Authorized on");
    pub const Granted: Self = Self::new("已授权", "Authorized");
    pub const Revoked: Self = Self::new("已撤销授权", "Authorization revoked");
    pub const Working: Self = Self::new("正在处理…", "Working…");
    pub const WindowServiceTitle: Self = Self::new("窗口代办", "Serving an applicant at the window");
    pub const WindowServiceLead: Self = Self::new(
        "申请人在窗口现场时，可代其办理；期间每一步都会记录您和申请人。",
        "When an applicant is present at the window you may act for them; every step meanwhile records you and the applicant.",
    );
    pub const ApplicantIdNumber: Self = Self::new("申请人身份证号码", "Applicant's identity number");
    pub const StartService: Self = Self::new("开始代办", "Start serving");
    pub const EndService: Self = Self::new("结束代办", "Stop serving");
    pub const ServingApplicant: Self = Self::new("正在代办", "Serving");
    pub const BackToAccount: Self = Self::new("返回我的账户", "Back to my account");
    pub const NavApplications: Self = Self::new("我的办件", "My applications");
    pub const NavProgress: Self = Self::new("进度查询", "Track progress");
    pub const NavLicenses: Self = Self::new("我的证照", "My licences");
    pub const ApplyOnline: Self = Self::new("在线申办", "Apply online");
    pub const BundlesTitle: Self = Self::new("一件事一次办", "One form for several items");
    pub const BundlesLead: Self =
        Self::new("一次填写，多个部门并联办理。", "Fill in one form; the departments work on it in parallel.");
    pub const BundleItems: Self = Self::new("{n}个事项", "{n} items");
    pub const ApplyTitle: Self = Self::new("在线申办", "Apply online");
    pub const ApplyingFor: Self = Self::new("申请人", "Applicant");
    pub const ItemsInForm: Self = Self::new("本次申办事项", "Items in this application");
    pub const FormFields: Self = Self::new("填写信息", "Your details");
    pub const AskedOnceFor: Self = Self::new("{n}个事项共用，只需填写一次", "Shared by {n} items: asked once");
    pub const Situations: Self = Self::new("情形选择", "Your situation");
    pub const SituationsLead: Self = Self::new(
        "请勾选符合您情况的选项，系统据此确定需要的材料。",
        "Tick what applies to you; the materials you need follow from it.",
    );
    pub const PledgeTitle: Self = Self::new("告知承诺", "Commitment-based processing");
    pub const PledgeSign: Self = Self::new("我已阅读并签署告知承诺书", "I have read and sign the pledge");
    pub const MaterialsTitle: Self = Self::new("申请材料", "Materials");
    pub const FromLibrary: Self =
        Self::new("电子证照库已提供，无需上传", "Supplied by the e-license library: nothing to upload");
    pub const ByPledge: Self = Self::new("以告知承诺书代替", "Replaced by your signed pledge");
    pub const UploadFiles: Self =
        Self::new("上传文件（PDF、JPG、PNG，每个不超过10MB）", "Upload files (PDF, JPEG or PNG, up to 10 MB each)");
    pub const Uploading: Self = Self::new("正在上传", "Uploading");
    pub const RemoveFile: Self = Self::new("移除", "Remove");
    pub const OptionalMark: Self = Self::new("选填", "optional");
    pub const Yes: Self = Self::new("是", "Yes");
    pub const ChooseOption: Self = Self::new("请选择", "Choose");
    pub const SaveDraft: Self = Self::new("保存草稿", "Save draft");
    pub const DraftSaved: Self = Self::new(
        "草稿已保存，可在任意设备的“我的办件”中继续填写。",
        "Draft saved: continue it from My applications on any device.",
    );
    pub const SubmitApplication: Self = Self::new("提交申请", "Submit application");
    pub const Submitting: Self = Self::new("正在提交…", "Submitting…");
    pub const NoItemsChosen: Self = Self::new(
        "未选择事项，请先在办事指南中选择要申办的事项。",
        "No item chosen: choose one from the service guides first.",
    );
    pub const ReceiptTitle: Self = Self::new("申办回执", "Application receipt");
    pub const ReceiptLead: Self = Self::new(
        "申请已提交。请保存上方的申办编号：凭它和身份证号码可查询本次申请全部办件的进度；每个办件另有办件编号（以 -01、-02 结尾），可单独查询。",
        "Your application is in. Keep the application number above: with your identity number it finds the progress of every case of this application; each case also has its own case number (ending -01, -02…), which finds that case alone.",
    );
    pub const ApplicationNo: Self = Self::new("申办编号", "Application no.");
    pub const CaseNo: Self = Self::new("办件编号", "Case no.");
    pub const CaseOrApplicationNo: Self = Self::new("申办编号或办件编号", "Application or case number");
    pub const SubmittedAt: Self = Self::new("提交时间", "Submitted");
    pub const FiledBy: Self = Self::new("经办人", "Filed by");
    pub const CasesTitle: Self = Self::new("办件", "Cases");
    pub const MaterialsReceived: Self = Self::new("已收材料", "Materials received");
    pub const DownloadPdf: Self = Self::new("下载PDF回执", "Download the PDF receipt");
    pub const FollowProgress: Self = Self::new("查看进度", "Follow progress");
    pub const FilesUploaded: Self = Self::new("已上传{n}个文件", "{n} file(s) uploaded");
    pub const Pledged: Self = Self::new("告知承诺", "On pledge");
    pub const ApplicationsTitle: Self = Self::new("我的办件", "My applications");
    pub const NoApplications: Self = Self::new("还没有提交过申请。", "No applications yet.");
    pub const DraftsTitle: Self = Self::new("草稿", "Drafts");
    pub const ResumeDraft: Self = Self::new("继续填写", "Continue");
    pub const DeleteDraft: Self = Self::new("删除", "Delete");
    pub const NextStep: Self = Self::new("下一步", "Next");
    pub const ProgressTitle: Self = Self::new("办件进度查询", "Track a case");
    pub const ProgressLead: Self = Self::new(
        "输入申办编号（查询整个申请）或办件编号（查询一个办件），以及申请人身份证号码；企业的办件也可用企业的统一社会信用代码或法定代表人的身份证号码。",
        "Enter the application number (for the whole application) or a case number (for one case), and the applicant's identity number; for a business's case, its unified social credit code or its legal representative's identity number.",
    );
    pub const IdOrCreditCode: Self =
        Self::new("身份证号码或统一社会信用代码", "Identity number or unified social credit code");
    pub const ProxyName: Self = Self::new("受托人姓名", "Proxy's name");
    pub const ProxyIdNumber: Self = Self::new("受托人身份证号码", "Proxy's identity number");
    pub const LookupButton: Self = Self::new("查询", "Look up");
    pub const Timeline: Self = Self::new("办理过程", "Steps so far");
    pub const LicensesTitle: Self = Self::new("我的电子证照", "My e-licences");
    pub const LicensesLead: Self = Self::new(
        "办事时，这些证照可代替纸质材料（免证办）。",
        "These licences stand in for paper documents when you apply.",
    );
    pub const NoLicenses: Self =
        Self::new("电子证照库中暂无您的证照。", "The e-license library holds no licences for you yet.");
    pub const ValidUntil: Self = Self::new("有效期至", "Valid until");
    pub const NoExpiry: Self = Self::new("长期", "No expiry");
    pub const Issuer: Self = Self::new("发证机关", "Issued by");
    pub const AccessTitle: Self = Self::new("谁用了我的数据", "Who used my data");
    pub const AtWindow: Self = Self::new("综合窗口代办", "at a service hall window");
    pub const NoAccess: Self = Self::new("暂无调用记录。", "No one has read your licences yet.");
}
