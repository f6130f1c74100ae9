// 统一身份认证 — a citizen registers and signs in; a legal representative authorizes an agent who
// then acts for the enterprise; a window clerk signs in with an authenticator code and serves an
// applicant who is present; a citizen authorizes a relative to apply for them (委托代办), who does,
// until the authorization is revoked.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { uploadEveryMaterial } from './forms';
import {
  CITIZEN, CLERK, CLERK_TWO, DEMO_PASSWORD, ENTERPRISE, LEGAL_REP, codeSentTo, maskedMobile, newMobile, newResidentId,
  registerByApi, totp,
} from './identity-helpers';

async function signIn(page: Page, id: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('身份证号码').fill(id);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: '登录' })).toBeVisible();
}

test('a citizen registers with instant checks, a texted code and a separate consent, signs out and signs in again', async ({ page }) => {
  const id = newResidentId();
  const mobile = newMobile();
  await page.goto('/register');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('注册个人账号');
  await expectAccessible(page);

  // A mistyped number is caught as it is typed, by the same parser the server runs.
  const idField = page.getByLabel('身份证号码', { exact: true });
  await idField.fill(id.slice(0, 17) + (id[17] === '0' ? '1' : '0'));
  await expect(page.getByText(/第18位校验码应为/)).toBeVisible();
  await expect(idField).toHaveAttribute('aria-invalid', 'true');

  await idField.fill(id);
  await expect(page.getByText(/第18位校验码应为/)).toHaveCount(0);
  await page.getByLabel('姓名').fill('测试市民');
  // The code needs a number to go to.
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.getByRole('status').filter({ hasText: '手机号码应为' })).toBeVisible();
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.getByRole('status').filter({ hasText: `验证码已发送至${maskedMobile(mobile)}` })).toBeVisible();
  // Another code waits a minute, counted down on the button.
  await expect(page.getByRole('button', { name: /秒后重新获取/ })).toBeDisabled();
  const code = await codeSentTo(mobile);
  await page.getByLabel('短信验证码').fill(code === '000000' ? '111111' : '000000');
  await page.getByLabel('密码').fill('short');
  await page.getByRole('button', { name: '注册并登录' }).click();
  await expect(page.getByRole('alert')).toContainText('密码至少8个字符');
  // The consent is asked apart, with what is processed, why, for how long and how to withdraw.
  await expect(page.getByRole('alert')).toContainText('请阅读并勾选同意《身份证号码处理授权》');
  const consentText = page.getByRole('region', { name: '身份证号码处理授权' });
  for (const heading of ['处理什么', '为什么处理', '保存多久', '如何撤回']) {
    await expect(consentText.getByRole('heading', { name: heading })).toBeVisible();
  }

  await page.getByLabel('密码').fill('a long enough password');
  // The password can be shown to check it, and hidden again.
  await page.getByRole('button', { name: '显示密码' }).click();
  await expect(page.getByLabel('密码')).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: '隐藏密码' }).click();
  await expect(page.getByLabel('密码')).toHaveAttribute('type', 'password');
  await page.getByLabel('我已阅读并同意《身份证号码处理授权》').check();
  // A wrong code is refused under its field, and the right one registers.
  await page.getByRole('button', { name: '注册并登录' }).click();
  await expect(page.locator('#mobile_code').locator('..')).toContainText('验证码不正确或已过期');
  await page.getByLabel('短信验证码').fill(code);
  await page.getByRole('button', { name: '注册并登录' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: '测试市民' })).toBeVisible();
  await expect(page.getByText(`${id.slice(0, 4)}**********${id.slice(14)}`)).toBeVisible();
  await expect(page.getByRole('region', { name: '我的授权' })).toContainText('身份证号码处理授权');
  await expectAccessible(page);

  await signOut(page);
  await signIn(page, id, 'a long enough password');
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: '测试市民' })).toBeVisible();

  // Withdrawing the consent closes the account, after saying what that means.
  const consents = page.getByRole('region', { name: '我的授权' });
  await consents.getByRole('button', { name: '撤回授权并注销账户' }).click();
  await expect(consents.getByRole('alertdialog')).toContainText('账户立即注销');
  await consents.getByRole('button', { name: '确定撤回并注销' }).click();
  await expect(page).toHaveURL(/\/login\?closed=1$/);
  await expect(page.getByRole('status').filter({ hasText: '账户已注销' })).toBeVisible();
  await signIn(page, id, 'a long enough password');
  await expect(page.getByRole('alert')).toContainText('身份证号码、密码或动态验证码不正确');
});

test('a wrong password is refused without saying whether the account exists', async ({ page }) => {
  await signIn(page, newResidentId(), 'not the password');
  await expect(page.getByRole('alert')).toContainText('身份证号码、密码或动态验证码不正确');
  await expectAccessible(page);
});

test('a legal representative authorizes an agent, who then acts for the enterprise', async ({ page, request }) => {
  const agentId = newResidentId();
  const agentName = `经办人${agentId.slice(14)}`;
  await registerByApi(request, { id: agentId, name: agentName, password: 'agent password 1' });

  await signIn(page, LEGAL_REP.id, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  const row = page.getByRole('listitem').filter({ hasText: ENTERPRISE.name });
  await row.getByRole('link', { name: '管理经办人' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('经办人管理');
  // The name is asked with the number: a number alone says nothing about who is registered.
  await page.getByLabel('姓名').fill('别人');
  await page.getByLabel('身份证号码').fill(agentId);
  await page.getByRole('button', { name: '授权', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('请核对经办人的姓名和身份证号码');
  await page.getByLabel('姓名').fill(agentName);
  await page.getByRole('button', { name: '授权', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('已授权');
  await expect(page.getByText(agentName)).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: '返回我的账户' }).click();
  await signOut(page);

  await signIn(page, agentId, 'agent password 1');
  await expect(page).toHaveURL(/\/account$/);
  const mine = page.getByRole('listitem').filter({ hasText: ENTERPRISE.name });
  await expect(mine).toContainText('经办人');
  await mine.getByRole('button', { name: '以此企业身份办事' }).click();
  await expect(mine.getByText('当前身份')).toBeVisible();
  // Every page says whom the agent acts for, and links to switching.
  const acting = page.getByRole('region', { name: '办事身份' });
  await expect(acting).toContainText(ENTERPRISE.name);
  await page.goto('/items');
  await expect(acting).toContainText(ENTERPRISE.name);
  await acting.getByRole('link', { name: '切换' }).click();
  await expect(page).toHaveURL(/\/account#enterprises$/);
  // The account page is the full app's: the guides' catalogue loads it anew, and only then is
  // there a page to check.
  await expect(page.getByRole('listitem').filter({ hasText: ENTERPRISE.name })).toContainText('当前身份');
  await expectAccessible(page);
});

test('a window clerk signs in with an authenticator code and serves an applicant who is present', async ({ page }, testInfo) => {
  // Each project signs in its own clerk: a code is accepted only once.
  const clerk = testInfo.project.name === 'phone' ? CLERK_TWO : CLERK;
  await signIn(page, clerk.id, DEMO_PASSWORD);
  await expect(page.getByRole('alert')).toContainText('请输入身份验证器上的6位动态验证码');
  await page.getByLabel('动态验证码').fill(totp(clerk.secret));
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText('综合窗口')).toBeVisible();
  await expect(page.getByText('已通过身份验证器验证')).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('申请人姓名').fill(CITIZEN.name);
  await page.getByLabel('申请人身份证号码').fill(CITIZEN.id);
  await page.getByRole('button', { name: '开始代办' }).click();
  await expect(page.getByRole('status').filter({ hasText: '正在代办' })).toContainText(`正在代办: ${CITIZEN.name} ${CITIZEN.masked}`);
  await expect(page.getByRole('region', { name: '办事身份' })).toContainText(CITIZEN.name);
  await expectAccessible(page);
  await page.getByRole('button', { name: '结束代办' }).click();
  await expect(page.getByRole('button', { name: '开始代办' })).toBeVisible();

  // An applicant with no online account: the clerk checks the identity card, records a mobile
  // number and hands over a one-time claim code, with which the applicant registers later.
  const walkIn = newResidentId();
  await page.getByLabel('申请人姓名').fill('窗口来客');
  await page.getByLabel('申请人身份证号码').fill(walkIn);
  await page.getByRole('button', { name: '开始代办' }).click();
  await expect(page.getByText(/核验身份证原件后/)).toBeVisible();
  await page.getByLabel('申请人手机号码').fill('13912345678');
  await page.getByRole('button', { name: '开始代办' }).click();
  await expect(page.getByRole('status').filter({ hasText: '正在代办' })).toContainText('正在代办: 窗口来客');
  const code = (await page.locator('.claim-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[0-9A-Z]{10}$/);
  await expectAccessible(page);
  await page.getByRole('button', { name: '结束代办' }).click();

  const applicant = await (await page.context().browser()!.newContext()).newPage();
  await applicant.goto('/register');
  await applicant.getByLabel('身份证号码', { exact: true }).fill(walkIn);
  await applicant.getByLabel('姓名').fill('窗口来客');
  const applicantMobile = newMobile();
  await applicant.getByLabel('手机号码').fill(applicantMobile);
  await applicant.getByRole('button', { name: '获取验证码' }).click();
  await applicant.getByLabel('短信验证码').fill(await codeSentTo(applicantMobile));
  await applicant.getByLabel('密码').fill('a long enough password');
  await applicant.getByLabel(/窗口认领码/).fill(code);
  await applicant.getByLabel('我已阅读并同意《身份证号码处理授权》').check();
  await applicant.getByRole('button', { name: '注册并登录' }).click();
  await expect(applicant).toHaveURL(/\/account$/);
  await expect(applicant.getByRole('heading', { name: '窗口来客' })).toBeVisible();
});

test('a citizen authorizes a relative to apply for one item, the relative applies for them, and the authorization is revoked', async ({ page, browser }, testInfo) => {
  const principal = { id: newResidentId(), name: '委托测试', password: 'principal password 1' };
  const proxy = { id: newResidentId(), name: '受托测试', password: 'proxy password 1' };
  for (const p of [principal, proxy]) {
    await registerByApi(page.request, { id: p.id, name: p.name, password: p.password });
  }
  await signIn(page, principal.id, principal.password);
  await expect(page).toHaveURL(/\/account$/);
  const grant = page.locator('.grant-proxy');
  await grant.getByLabel('受托人姓名').fill(proxy.name);
  await grant.getByLabel('受托人身份证号码').fill(proxy.id);
  await grant.getByLabel('就业创业证申领').check();
  await grant.getByRole('button', { name: '确认委托' }).click();
  await expect(grant.getByRole('status')).toContainText('委托已登记');
  await expect(page.locator('.granted-proxies')).toContainText(proxy.name);
  await expectAccessible(page);

  // The relative, in a browser of their own, applies for the principal.
  const other = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const relative = await other.newPage();
  await signIn(relative, proxy.id, proxy.password);
  await expect(relative.locator('.received-proxies')).toContainText(principal.name);
  await relative.getByRole('button', { name: '以委托人身份办事' }).click();
  await expect(relative.locator('.acting')).toContainText(`委托代办：${principal.name}`);
  await relative.goto('/apply?items=DG-GR-0011');
  await expect(relative.locator('.apply-form')).toContainText(`${principal.name}`);
  await expect(relative.locator('.field--known').filter({ hasText: '申请人姓名' })).toContainText(principal.name);
  await relative.getByLabel('联系电话').fill('13800138000');
  await relative.getByLabel('联系地址').fill('东莞市东城街道东纵路8号');
  await relative.getByLabel('就业状态').selectOption('unemployed');
  await uploadEveryMaterial(relative);
  await relative.getByRole('button', { name: '提交申请' }).click();
  await expect(relative.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  await expect(relative.locator('main')).toContainText(principal.name);

  // Revoked, the relative can no longer apply for them.
  await page.reload();
  await page.locator('.granted-proxies').getByRole('button', { name: '撤销委托' }).click();
  await expect(page.locator('.granted-proxies')).toContainText('已撤销');
  await relative.goto('/apply?items=DG-GR-0011');
  await expect(relative.getByRole('alert')).toContainText('委托已被撤销或已到期');
  await relative.getByRole('link', { name: '我的账户' }).last().click();
  await expect(relative.locator('.acting')).toContainText('已失效');
  await relative.getByRole('button', { name: '切换为个人身份' }).click();
  await expect(relative.locator('.acting')).not.toContainText('委托代办');
  await other.close();
});

test('a signed-out citizen who taps 在线申办 is offered sign-in and registration, and signing in returns to the form', async ({ page }) => {
  await page.goto('/items/DG-GR-0011');
  await page.getByRole('link', { name: '在线申办' }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-GR-0011$/);
  const offer = page.locator('.notice');
  await expect(offer.getByRole('link', { name: '注册账户' })).toHaveAttribute('href', '/register?next=%2Fapply%3Fitems%3DDG-GR-0011');
  await expectAccessible(page);
  await offer.getByRole('link', { name: '登录' }).click();
  await page.getByLabel('身份证号码').fill(CITIZEN.id);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-GR-0011$/);
  await expect(page.getByRole('button', { name: '提交申请' })).toBeVisible();
});

test('a return address off this site is ignored after sign-in', async ({ page }) => {
  await page.goto('/login?next=%2F%2Fevil.example%2Fsteal');
  await page.getByLabel('身份证号码').fill(CITIZEN.id);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
});
