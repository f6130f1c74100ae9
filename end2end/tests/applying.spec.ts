// 申办 — a citizen on a phone applies for one item, reusing the ID card the e-license library
// holds and uploading one photo, without typing what unified identity knows; a person with no
// enterprise files the company-setup bundle as its founder; an enterprise agent fills one form
// for three of the enterprise's items without a power of attorney, downloads the PDF receipt,
// and the enterprise follows its case by its credit code.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { png, uploadEveryMaterial } from './forms';
import { DEMO_PASSWORD, ENTERPRISE, newResidentId, registerByApi } from './identity-helpers';

const CITIZEN = { id: '441900198201013579', name: '王强' };
const AGENT = { id: '441900198812314688', name: '陈敏' };

const PHOTO = png('申领表照片.png');

async function signIn(page: Page, id: string, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('身份证号码').fill(id);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
}

test('a citizen applies for one item with the ID card from the library and one uploaded photo', async ({ page }) => {
  await signIn(page, CITIZEN.id);
  await page.goto('/items/DG-GR-0011');
  await page.getByRole('link', { name: '在线申办' }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-GR-0011$/);
  await expect(page.getByRole('heading', { name: '申请材料' })).toBeVisible();

  const idCard = page.locator('.material').filter({ hasText: '居民身份证' });
  await expect(idCard).toContainText('电子证照库已提供，无需上传');

  // What unified identity knows is filled in, read-only, saying where it comes from.
  const known = page.locator('.field--known');
  await expect(known.filter({ hasText: '申请人姓名' })).toContainText(CITIZEN.name);
  await expect(known.filter({ hasText: '申请人身份证号码' })).toContainText(`4419**********${CITIZEN.id.slice(-4)}`);
  await expect(known.first()).toContainText('来自统一身份认证');
  await expect(page.getByLabel('申请人姓名')).toHaveCount(0);
  // The shared compiler judges each answer as it is typed.
  await page.getByLabel('联系电话').fill('12345');
  await expect(page.getByText('电话号码应为11位手机号码')).toBeVisible();
  await page.getByLabel('联系电话').fill('13800138000');
  await expect(page.getByText('电话号码应为11位手机号码')).toHaveCount(0);
  await page.getByLabel('联系地址').fill('东莞市莞城街道市府路1号');
  // A coded answer is offered by its name, never its code.
  await expect(page.getByLabel('就业状态').locator('option')).toHaveText(['请选择', '在职', '自主创业、灵活就业', '失业']);
  await page.getByLabel('就业状态').selectOption('unemployed');

  const form = page.locator('.material').filter({ hasText: '就业创业证申领表' });
  // A file that is not what its name says is refused, and the reason shows under its material,
  // with a retry and a remove.
  await form.locator('input[type=file]:not([capture])').setInputFiles({ name: '申领表.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  const refused = form.locator('.file--refused').filter({ hasText: '申领表.png' });
  await expect(refused).toContainText('文件类型不支持，请上传 PDF、JPG 或 PNG 文件');
  await expect(refused.getByRole('button', { name: '重试 申领表.png' })).toBeVisible();
  await refused.getByRole('button', { name: '移除 申领表.png' }).click();
  await expect(refused).toHaveCount(0);
  await form.locator('input[type=file]:not([capture])').setInputFiles(PHOTO);
  await expect(form.getByRole('listitem').filter({ hasText: PHOTO.name }).getByRole('button', { name: '移除' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page).toHaveURL(/\/applications\/YW\d{8}[0-9A-Z]{14}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  await expect(page.getByText('电子证照库已提供，无需上传')).toBeVisible();
  await expect(page.getByText('已上传1个文件')).toBeVisible();
  const caseNo = (await page.locator('.case-no').first().textContent())?.trim() ?? '';
  expect(caseNo).toMatch(/^YW\d{8}[0-9A-Z]{14}-01$/);
  await expectAccessible(page);

  // Signed in, the receipt leads to the case's own page.
  await page.getByRole('link', { name: '查看进度' }).click();
  await expect(page).toHaveURL(`/cases/${caseNo}`);
  await expect(page.locator('.case-status')).toBeVisible();
  // Anyone else looks it up: the case number comes with the link; the identity number is typed,
  // never put in the address.
  await page.goto(`/progress?case=${caseNo}`);
  await expect(page.getByLabel('申办编号或办件编号')).toHaveValue(caseNo);
  await page.getByLabel('身份证号码').fill(CITIZEN.id);
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.locator('.timeline')).toContainText('已提交，待受理');
  expect(page.url()).not.toContain(CITIZEN.id);
  // The number the receipt says to keep finds the application's cases as well.
  await page.getByLabel('申办编号或办件编号').fill(caseNo.replace(/-01$/, ''));
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.locator('.progress-result')).toHaveCount(1);
  await expect(page.locator('.case-no')).toHaveText([caseNo]);

  // Items for businesses need a business to act for: the page says so and where to choose it.
  await page.goto('/apply?items=DG-QY-0004');
  await expect(page.getByRole('alert')).toContainText('这是法人事项');
  await expect(page.locator('main').getByRole('link', { name: '我的账户' })).toBeVisible();

  // Who used my data: the library read for this application is listed.
  await page.goto('/licenses');
  await expect(page.locator('.access-log')).toContainText(caseNo.slice(0, -3));
  await expectAccessible(page);
});

test('a person with no enterprise founds a company with the company-setup bundle, typing neither name nor identity number', async ({ page }) => {
  const id = newResidentId();
  const password = 'founder password 1';
  await registerByApi(page.request, { id, name: '创业者', password });
  await signIn(page, id, password);
  await page.goto('/');
  await page.getByRole('link', { name: /开办企业/ }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-QY-0001,DG-QY-0004,DG-QY-0005,DG-QY-0006$/);
  await expect(page.getByTestId('founding-note')).toContainText('担任新企业的法定代表人');

  // The founder is the legal representative: filled from their identity, not typed.
  const rep = page.locator('.field--known').filter({ hasText: '法定代表人姓名' });
  await expect(rep).toContainText('创业者');
  await expect(rep).toContainText('来自统一身份认证');
  await expect(page.getByLabel('法定代表人身份证号码')).toHaveCount(0);
  await expect(page.getByLabel(/统一社会信用代码/)).toHaveCount(0);
  // Filing for others, the founder names the legal representative instead.
  await page.getByLabel('您在新企业中的身份').selectOption('受他人委托代为办理');
  await expect(page.getByLabel('法定代表人身份证号码')).toBeVisible();
  await page.getByLabel('您在新企业中的身份').selectOption('本人担任法定代表人');
  await expect(rep).toContainText('创业者');
  // Questions the four items share are asked once.
  await expect(page.getByLabel('企业名称', { exact: true })).toHaveCount(1);
  await expect(page.locator('.field').filter({ hasText: '企业名称' })).toContainText('4个事项共用，只需填写一次');
  // The business licence the later items need is the one the registration issues.
  await expect(page.locator('.material').filter({ hasText: /^营业执照/ }).first()).toContainText('登记核准后自动取得');

  await page.getByLabel('企业名称', { exact: true }).fill('东莞市创业者科技有限公司');
  await page.getByLabel('企业类型').selectOption({ index: 2 });
  await page.getByLabel('注册资本（万元）').fill('100');
  await page.getByLabel('住所', { exact: true }).fill('东莞市松山湖高新区科技九路1号');
  // The tenure is asked once: it decides which proof of premises is needed.
  await page.getByLabel('住所产权类型').selectOption('rented');
  await expect(page.getByLabel('经营场所/住所为租赁')).toHaveCount(0);
  await expect(page.locator('.material').filter({ hasText: '住所租赁合同' })).toBeVisible();
  await page.getByLabel('联系电话').fill('0769-22223333');
  await page.getByLabel('经营范围', { exact: true }).fill('软件开发；信息技术咨询服务');
  await page.getByLabel('公章').check();
  await page.getByLabel('职工人数').fill('3');
  await page.getByLabel('公积金缴存比例').fill('5');

  // Submitting early lists every material still missing at once.
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('alert')).toContainText('请上传');
  expect(await uploadEveryMaterial(page)).toBeGreaterThanOrEqual(3);
  await expectAccessible(page);

  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  await expect(page.locator('.case-no')).toHaveCount(4);
  await expect(page.locator('main')).toContainText('创业者');
  await expect(page.getByText('由本次登记核发').first()).toBeVisible();
});

test('opening a small restaurant asks which situations apply, then registers the business and files its permits on one form', async ({ page }) => {
  await signIn(page, CITIZEN.id);
  await page.goto('/');
  await page.getByRole('link', { name: /开办餐饮店/ }).click();
  await expect(page.getByRole('heading', { name: /开办餐饮店/ })).toBeVisible();
  await page.getByLabel(/场所属于公众聚集场所/).check();
  await expectAccessible(page);
  await page.getByRole('button', { name: '开始填写' }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-GR-0001,DG-QY-0002,DG-QY-0008&bundle=DG-YJS-0001&asked=1$/);
  const items = page.locator('.apply-form section').first();
  await expect(items).toContainText('个体工商户设立登记');
  await expect(items).toContainText('食品经营许可');
  await expect(items).toContainText('公众聚集场所投入使用、营业前消防安全检查');
  await expect(items).not.toContainText('公共场所卫生许可');
  await expect(page.getByTestId('founding-note')).toBeVisible();
  // The two items that take the pledge each have a box to sign it; the registration has none.
  const pledge = page.locator('section[aria-labelledby="apply-pledge"]');
  await expect(pledge.getByRole('checkbox')).toHaveCount(2);
  await expect(pledge.getByRole('checkbox', { name: /食品经营许可/ })).not.toBeChecked();
  await pledge.getByRole('checkbox', { name: /食品经营许可/ }).check();
  await expect(pledge.getByRole('checkbox', { name: /食品经营许可/ })).toBeChecked();
  // The operator is the person registering the business, from their identity.
  await expect(page.locator('.field--known').filter({ hasText: '经营者姓名' })).toContainText(CITIZEN.name);
});

test('an enterprise agent files one form for three items without a power of attorney, and the enterprise follows it by its credit code', async ({ page }) => {
  await signIn(page, AGENT.id);
  const mine = page.getByRole('listitem').filter({ hasText: ENTERPRISE.name });
  await mine.getByRole('button', { name: '以此企业身份办事' }).click();
  await expect(mine.getByText('当前身份')).toBeVisible();

  await page.goto('/apply?items=DG-QY-0004,DG-QY-0005,DG-QY-0006');
  await expect(page.locator('.apply-form')).toContainText(`${ENTERPRISE.name}（${ENTERPRISE.uscc}）`);
  // The enterprise's record fills its name, code and legal representative.
  const known = page.locator('.field--known');
  await expect(known.filter({ hasText: '企业名称' })).toContainText(ENTERPRISE.name);
  await expect(known.filter({ hasText: '企业名称' })).toContainText('来自企业登记信息');
  await expect(known.filter({ hasText: '法定代表人姓名' })).toContainText('李娜');
  // The authorization on record stands in for the power of attorney.
  await expect(page.getByTestId('agent-note')).toContainText('无需上传授权委托书');
  await expect(page.locator('.material').filter({ hasText: '委托书及经办人身份证明' }).first()).toContainText('经办人授权已在系统中登记');
  await expect(page.locator('.field').filter({ hasText: '住所' }).first()).toContainText('3个事项共用，只需填写一次');
  await expect(page.locator('.material').filter({ hasText: /^营业执照/ }).first()).toContainText('电子证照库已提供');

  await page.getByLabel('企业类型').selectOption({ index: 2 });
  await page.getByLabel('住所', { exact: true }).fill('东莞市松山湖高新区科技九路1号');
  await page.getByLabel('联系电话').fill('0769-22223333');
  await page.getByLabel('公章').check();
  await page.getByLabel('职工人数').fill('12');
  await page.getByLabel('公积金缴存比例').fill('5');
  await uploadEveryMaterial(page);
  await expectAccessible(page);

  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  await expect(page.locator('.case-no')).toHaveCount(3);
  await expect(page.getByText(`${ENTERPRISE.name} ${ENTERPRISE.uscc}`)).toBeVisible();
  await expect(page.getByText('经办人授权已登记').first()).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: '下载PDF回执' }).click();
  const pdf = await download;
  expect(pdf.suggestedFilename()).toMatch(/^receipt-YW.*\.pdf$/);
  const bytes = readFileSync(await pdf.path());
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');

  // The enterprise follows its case by its unified social credit code.
  const firstCase = (await page.locator('.case-no').first().textContent())?.trim() ?? '';
  await page.goto(`/progress?case=${firstCase}`);
  await page.getByLabel('身份证号码或统一社会信用代码').fill(ENTERPRISE.uscc);
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.locator('.timeline')).toContainText('已提交，待受理');

  await page.goto('/applications');
  await expect(page.getByRole('link', { name: /^YW/ }).first()).toBeVisible();
  await expectAccessible(page);
});

test('with consent, answers given once are offered on the next form and can be deleted', async ({ page }) => {
  const id = newResidentId();
  const password = 'memory password 1';
  await registerByApi(page.request, { id, name: '记忆测试', password });
  await signIn(page, id, password);
  const consent = page.getByLabel('同意保存我的填写记录');
  await expect(consent).not.toBeChecked();
  await consent.check();
  await expect(consent).toBeChecked();

  await page.goto('/apply?items=DG-GR-0011');
  await page.getByLabel('联系电话').fill('13800138000');
  await page.getByLabel('联系地址').fill('东莞市东城街道东纵路8号');
  await page.getByLabel('就业状态').selectOption('unemployed');
  await uploadEveryMaterial(page);
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');

  // The next form offers what was given; nothing is filled in until it is chosen.
  await page.goto('/apply?items=DG-GR-0008');
  const address = page.locator('.field').filter({ has: page.getByLabel('联系地址') });
  await expect(address.locator('.field__suggestion')).toContainText('东莞市东城街道东纵路8号');
  await expect(page.getByLabel('联系地址')).toHaveValue('');
  await address.getByRole('button', { name: '使用' }).click();
  await expect(page.getByLabel('联系地址')).toHaveValue('东莞市东城街道东纵路8号');
  await expect(address.locator('.field__suggestion')).toHaveCount(0);
  await expectAccessible(page);

  // The account page lists what is kept; each can be deleted.
  await page.goto('/account');
  const kept = page.locator('.kept-list li').filter({ hasText: '东莞市东城街道东纵路8号' });
  await kept.getByRole('button', { name: '删除' }).click();
  await expect(page.locator('.kept-list li').filter({ hasText: '东莞市东城街道东纵路8号' })).toHaveCount(0);
  await expect(page.locator('.kept-list')).toContainText('13800138000');
  await expectAccessible(page);
});

test('a draft saved on one device is continued on another', async ({ page, browser }, testInfo) => {
  const id = newResidentId();
  const password = 'draft device password';
  await registerByApi(page.request, { id, name: '草稿测试', password });
  await signIn(page, id, password);
  await page.goto('/apply?items=DG-GR-0011');
  await page.getByLabel('联系地址').fill('东莞市东城街道东纵路8号');
  // Someone new has no licence in the library: the ID card is asked for as an upload.
  const idCard = page.locator('.material').filter({ hasText: '居民身份证' });
  await idCard.locator('input[type=file]:not([capture])').setInputFiles(PHOTO);
  await expect(idCard.getByRole('button', { name: '移除' })).toBeVisible();
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.getByRole('status').filter({ hasText: '草稿已保存' })).toBeVisible();

  const other = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const desk = await other.newPage();
  await signIn(desk, id, password);
  await desk.goto('/applications');
  await desk.getByRole('link', { name: '继续填写' }).click();
  await expect(desk.getByLabel('联系地址')).toHaveValue('东莞市东城街道东纵路8号');
  await expect(desk.locator('.field--known').filter({ hasText: '申请人姓名' })).toContainText('草稿测试');
  await expect(desk.locator('.material').filter({ hasText: '居民身份证' }).getByText(PHOTO.name)).toBeVisible();
  await expectAccessible(desk);

  await desk.goto('/applications');
  await desk.getByRole('button', { name: '删除' }).click();
  await expect(desk.getByRole('link', { name: '继续填写' })).toHaveCount(0);
  await other.close();
});
