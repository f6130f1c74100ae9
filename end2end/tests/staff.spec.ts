// 安全管理员 — a security administrator issues a one-time enrolment token to a staff member who
// has no authenticator; the member, signed in with the password alone, can do nothing but bind
// one with that token, and then works with their codes. Staff consoles are desktop-first, so
// this journey runs in the desktop project only (playwright.config.ts).
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { CATALOGUE_ADMIN, DEMO_PASSWORD, DEPARTMENT_ADMIN, NEW_STAFF, SECURITY_ADMIN, personPage, totp } from './identity-helpers';

async function signIn(page: Page, id: string, code?: string) {
  await page.goto('/login');
  await page.getByLabel('身份证号码').fill(id);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  if (code) {
    await expect(page.getByRole('alert')).toContainText('请输入身份验证器上的6位动态验证码');
    await page.getByLabel('动态验证码').fill(code);
    await page.getByRole('button', { name: '登录', exact: true }).click();
  }
  await expect(page).toHaveURL(/\/account$/);
}

test('a security admin issues an enrolment token and a new staff member binds an authenticator with it', async ({ page }) => {
  await signIn(page, SECURITY_ADMIN.id, totp(SECURITY_ADMIN.secret));
  await page.getByRole('link', { name: '工作人员与身份验证器' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作人员');
  const row = page.getByRole('listitem').filter({ hasText: NEW_STAFF.name });
  await expect(row).toContainText('未绑定身份验证器');
  await expectAccessible(page);
  await row.getByRole('button', { name: `签发绑定码 ${NEW_STAFF.name}` }).click();
  await expect(row.getByRole('status')).toContainText('绑定码只显示这一次');
  // Shown in groups of four, as it is read out; typed with or without the spaces.
  const token = (await row.locator('.enrolment-token').textContent())?.trim() ?? '';
  expect(token).toMatch(/^([A-Z2-7]{4} ){5}[A-Z2-7]{4}$/);
  await expectAccessible(page);
  // Nobody issues a token for themselves; removing a member's authenticator asks first.
  await expect(page.getByRole('listitem').filter({ hasText: SECURITY_ADMIN.name }).getByRole('button')).toHaveCount(0);
  const bound = page.getByRole('listitem').filter({ hasText: '孙悦' });
  await bound.getByRole('button', { name: '解除绑定并签发绑定码 孙悦' }).click();
  await expect(bound.getByRole('status')).toContainText('现有的身份验证器将立即失效');
  await expect(bound.getByRole('button', { name: '确认解除绑定 孙悦' })).toBeVisible();
  await page.getByRole('link', { name: SECURITY_ADMIN.name }).click();
  await page.getByRole('button', { name: '退出登录' }).click();

  // The password alone: the account page asks for the token, and a wrong one is refused.
  await signIn(page, NEW_STAFF.id);
  await expect(page.getByText('工作人员需绑定身份验证器')).toBeVisible();
  await page.getByLabel('绑定码').fill('AAAABBBBCCCCDDDDEEEEFFFF');
  await page.getByRole('button', { name: '绑定身份验证器' }).click();
  await expect(page.getByText('绑定码不正确、已使用或已过期')).toBeVisible();
  await page.getByLabel('绑定码').fill(token.toLowerCase());
  await page.getByRole('button', { name: '绑定身份验证器' }).click();
  const secret = (await page.locator('code.secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('动态验证码').fill(totp(secret));
  await page.getByRole('button', { name: '验证' }).click();
  await expect(page.getByText('已通过身份验证器验证')).toBeVisible();
  await expect(page.getByText('已绑定身份验证器')).toBeVisible();
  await expect(page.getByText('安全管理员为您签发了绑定码')).toBeVisible();
  await expectAccessible(page);
});

// 系统对接 — the market regulator's systems administrator registers a webhook endpoint (its secret
// shown once), reads its empty delivery log, issues an API token, reads the event feed with it,
// revokes it, and switches the endpoint off.
test('a systems administrator registers a webhook and issues, uses and revokes an API token', async ({ page }) => {
  await signIn(page, DEPARTMENT_ADMIN.id, totp(DEPARTMENT_ADMIN.secret));
  await page.goto('/console/integrations');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('系统对接');
  await page.getByLabel('推送地址（https）').fill('http://approvals.samr.example/yiwang');
  await page.getByLabel('接收系统').fill('市场监管审批系统');
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await expect(page.locator('#webhook-url-error')).toHaveText('推送地址须为 https 地址');
  await page.getByLabel('推送地址（https）').fill('https://approvals.samr.example/yiwang');
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: '签名密钥' }).locator('.secret')).toHaveText(/^whsec_/);
  const endpoint = page.locator('.endpoint').filter({ hasText: 'https://approvals.samr.example/yiwang' });
  await expect(endpoint).toContainText('启用中');
  await endpoint.getByRole('button', { name: '投递记录' }).click();
  await expect(endpoint).toContainText('还没有投递。');

  await page.getByLabel('使用系统').fill('审批系统');
  await page.getByRole('button', { name: '签发', exact: true }).click();
  const token = (await page.getByRole('status').filter({ hasText: '接口令牌' }).locator('.secret').textContent())?.trim() ?? '';
  expect(token).toMatch(/^ywt_/);
  const feed = await page.request.get('/api/v1/events?after=0', { headers: { authorization: `Bearer ${token}` } });
  expect(feed.status()).toBe(200);
  expect(await feed.json()).toHaveProperty('next');
  await expectAccessible(page);

  await page.locator('.token').filter({ hasText: '审批系统' }).getByRole('button', { name: '吊销' }).click();
  await expect(page.locator('.token').filter({ hasText: '审批系统' })).toContainText('已吊销');
  const refused = await page.request.get('/api/v1/events', { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  await endpoint.getByRole('button', { name: '停用' }).click();
  await expect(endpoint).toContainText('已停用');
});

test('a catalogue administrator teaches search a new word, and a citizen finds the service by it', async ({ browser }) => {
  const admin = await personPage(browser, CATALOGUE_ADMIN.id, CATALOGUE_ADMIN.secret);
  await admin.goto('/console/synonyms');
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('检索同义词');
  await expect(admin.getByRole('cell', { name: '社保', exact: true })).toBeVisible();
  await admin.getByLabel('群众用语').fill('办证');
  await admin.getByLabel('含义（多个用、分隔）').fill('居住证申领');
  await admin.getByRole('button', { name: '保存' }).click();
  await expect(admin.getByRole('status')).toContainText('已保存：办证 → 居住证申领');
  await expect(admin.getByRole('cell', { name: '办证', exact: true })).toBeVisible();
  await expectAccessible(admin);

  // A citizen, signed out, finds the service by the new word and by its pinyin.
  const citizen = await (await browser.newContext()).newPage();
  await citizen.goto('/items?q=办证');
  await expect(citizen.locator('.item-card').first()).toContainText('居住证申领');
  await citizen.goto('/items?q=banzheng');
  await expect(citizen.locator('.item-card').first()).toContainText('居住证申领');

  await admin.getByRole('button', { name: '删除 办证' }).click();
  await expect(admin.getByRole('cell', { name: '办证', exact: true })).toHaveCount(0);
  await citizen.goto('/items?q=办证');
  await expect(citizen.getByText('共 0 个事项')).toBeVisible();
});
