// 消息通知 — a citizen turns on email notices on their account page, applies, and once the front
// desk accepts the case, the acceptance notice is in the account's "sent to you" list with how it
// went out (the demo server has no mail server: email is written to its log, masked, and shown as
// delivered).
import { expect, test } from '@playwright/test';
import { expectAccessible } from './a11y';
import { uploadEveryMaterial } from './forms';
import { CLERK, CLERK_TWO, maskedMobile, newResidentId, personPage, registerByApi } from './identity-helpers';

test('a citizen turns on email notices and finds the acceptance notice in "sent to you"', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const id = newResidentId();
  const password = 'notices password 1';
  const mobile = await registerByApi(page.request, { id, name: '通知测试', password });
  await page.goto('/login');
  await page.getByLabel('身份证号码').fill(id);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);

  // Email needs an address: the form says so under the field.
  await page.getByLabel('邮件通知').check();
  await page.getByRole('button', { name: '保存通知设置' }).click();
  await expect(page.locator('#notify-address-error')).toHaveText('开启邮件通知需要填写电子邮箱');
  await page.getByLabel('电子邮箱').fill('tongzhi@example.com');
  await page.getByRole('button', { name: '保存通知设置' }).click();
  await expect(page.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
  await expect(page.getByText('还没有消息。')).toBeVisible();
  await expectAccessible(page);

  await page.goto('/apply?items=DG-GR-0011');
  await page.getByLabel('联系电话').fill('13912345678');
  await page.getByLabel('联系地址').fill('东莞市南城街道鸿福路1号');
  await page.getByLabel('就业状态').selectOption('unemployed');
  await uploadEveryMaterial(page);
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  const caseNo = (await page.locator('.case-no').first().textContent())?.trim() ?? '';
  expect(caseNo).toMatch(/-01$/);

  // Each project signs in its own clerk: an authenticator code is accepted once.
  const who = testInfo.project.name === 'phone' ? CLERK_TWO : CLERK;
  const clerk = await personPage(browser, who.id, who.secret);
  await clerk.goto(`/console/cases/${caseNo}`);
  await clerk.locator('.action-form').filter({ has: clerk.getByRole('heading', { name: '受理', exact: true }) })
    .getByRole('button', { name: '受理', exact: true }).click();
  // 就业创业证 is an instant item (即办件): accepted, it concludes at once.
  await expect(clerk.locator('.case-status')).toHaveText('已办结（准予）');

  // The notice arrives within a moment; the list is read again until it shows.
  await page.goto('/account');
  const message = page.locator('.message').filter({ hasText: '受理通知' });
  await expect.poll(async () => {
    await page.reload();
    await expect(page.getByRole('heading', { name: '发送给您的消息' })).toBeVisible();
    await expect(page.locator('.notifications .loading')).toHaveCount(0);
    return message.count();
  }, { timeout: 30_000 }).toBe(1);
  await expect(message.locator('.message__channels')).toContainText('电子邮件 t***@example.com · 已送达');
  await expect(message.locator('.message__channels')).toContainText(`短信 ${maskedMobile(mobile)}`);
  await message.locator('summary').click();
  await expect(message.locator('.message__body')).toContainText('予以受理');
  await expect(message.locator('.message__body')).toContainText(caseNo);
  await expect(page.locator('.message').filter({ hasText: '办结通知' })).toHaveCount(1);
  await expectAccessible(page);
});
