import { createHmac, randomInt } from 'node:crypto';
import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** A fresh, valid resident identity number (GB 11643), so each run registers someone new. */
export function newResidentId(): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const first17 = `441900${1970 + randomInt(30)}${pad(1 + randomInt(12), 2)}${pad(1 + randomInt(28), 2)}${pad(randomInt(1000), 3)}`;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * WEIGHTS[i], 0);
  return first17 + CHECK[sum % 11];
}

/** A fresh mobile number, so that journeys running side by side never share one (a number
 * gets one code a minute). */
export function newMobile(): string {
  return `139${String(randomInt(100_000_000)).padStart(8, '0')}`;
}

/** Shown as 139****5678. */
export function maskedMobile(mobile: string): string {
  return `${mobile.slice(0, 3)}****${mobile.slice(7)}`;
}

/** The fake SMS gateway the journeys' servers text through (end2end/sms-gateway.mjs). */
const SMS_GATEWAY = `http://127.0.0.1:${Number(process.env.YIWANG_E2E_PORT ?? 18_080) + 3}`;

/** The one-time code in the last text `mobile` received, waiting a moment for it to arrive. */
export async function codeSentTo(mobile: string): Promise<string> {
  let code = '';
  await expect.poll(async () => {
    const texts: string[] = await (await fetch(`${SMS_GATEWAY}/texts?to=${mobile}`)).json();
    code = texts.at(-1)?.match(/验证码为(\d{6})/)?.[1] ?? '';
    return code;
  }, { timeout: 10_000 }).not.toBe('');
  return code;
}

/** The version of 身份证号码处理授权 the server takes (shared/src/consent.rs), read from the
 * OpenAPI document so that a new version needs no change here. */
async function consentVersion(request: APIRequestContext): Promise<string> {
  const doc = await (await request.get('/api/v1/openapi.json')).json();
  return doc.components.schemas.RegisterRequest.properties.consent_version.enum[0];
}

/** Registers through the API as the app does: a code texted to a fresh number and read off the
 * phone, and the current consent. Returns the mobile number used. */
export async function registerByApi(
  request: APIRequestContext,
  person: { id: string; name: string; password: string; mobile?: string },
): Promise<string> {
  const mobile = person.mobile ?? newMobile();
  const sent = await request.post('/api/v1/auth/register/code', { data: { mobile } });
  expect(sent.status()).toBe(202);
  const made = await request.post('/api/v1/auth/register', {
    data: {
      id_number: person.id, name: person.name, mobile, password: person.password,
      mobile_code: await codeSentTo(mobile), consent_version: await consentVersion(request),
    },
  });
  expect(made.status()).toBe(201);
  return mobile;
}

function base32(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The current RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of a base32 secret. */
export function totp(secret: string, now = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Demo accounts the server prints on start (server/src/demo.rs). */
export const DEMO_PASSWORD = 'Yiwang@2026';
export const LEGAL_REP = { id: '441900197509092467', name: '李娜' };
export const ENTERPRISE = { uscc: '91441900MA4W7CX39E', name: '东莞市示范科技有限公司' };
export const CLERK = { id: '441900199602295196', secret: 'YIWANGDEMOWINDOWCLERKAAAAAAAAAAA', role: '综合窗口' };
export const CITIZEN = { id: '441900196805221310', name: '张三', masked: '4419**********1310' };
export const CLERK_TWO = { id: '441900199304186020', secret: 'YIWANGDEMOWINDOWCLERKBBBBBBBBBBB', role: '综合窗口' };
export const SECURITY_ADMIN = { id: '44190019840721611X', secret: 'YIWANGDEMOSECURITYADMINAAAAAAAAA', name: '林峰' };
/** A staff member with no authenticator yet: binds one with a token from the security admin. */
export const NEW_STAFF = { id: '441900199205067157', name: '赵磊' };

/** A resident identity number from its parts (GB 11643), as server/src/demo.rs composes them. */
export function composeId(year: number, month: number, day: number, sequence: number): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const first17 = `441900${year}${pad(month, 2)}${pad(day, 2)}${pad(sequence % 1000, 3)}`;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * WEIGHTS[i], 0);
  return first17 + CHECK[sum % 11];
}

/** The demo department staff of the market regulator (DG-SAMR). */
export const UNDERTAKER = { id: composeId(1985, 3, 12, 101), secret: 'YIWANGDEMOUNDERTAKERAAAAAAAAAAAA', name: '刘洋' };
export const REVIEWER = { id: composeId(1987, 6, 8, 202), secret: 'YIWANGDEMOREVIEWERAAAAAAAAAAAAAA', name: '周婷' };
export const APPROVER = { id: composeId(1979, 11, 30, 303), secret: 'YIWANGDEMOAPPROVERAAAAAAAAAAAAAA', name: '吴刚' };
/** The demo catalogue administrator (事项管理). */
export const CATALOGUE_ADMIN = { id: composeId(1990, 9, 9, 506), secret: 'YIWANGDEMOCATALOGUEADMINAAAAAAAA', name: '孙悦' };
/** The market regulator's systems administrator (系统对接管理). */
export const DEPARTMENT_ADMIN = { id: composeId(1983, 8, 8, 819), secret: 'YIWANGDEMODEPARTMENTADMINAAAAAAA', name: '钱进' };
/** The demo supervisor (效能监察). */
export const SUPERVISOR = { id: composeId(1975, 2, 14, 404), secret: 'YIWANGDEMOSUPERVISORAAAAAAAAAAAA', name: '郑华' };

/** Signs a person in, in a browser context of their own; staff with their authenticator's code
 * at the server's time (`offset` ms ahead of this machine's once a journey moved its clock). A
 * code is accepted once, so a code another journey just used is retried with the next one. */
export async function personPage(browser: Browser, id: string, secret?: string, offset = 0): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.goto('/login');
    await page.getByLabel('身份证号码').fill(id);
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    if (secret) {
      await expect(page.getByLabel('动态验证码')).toBeVisible();
      await page.getByLabel('动态验证码').fill(totp(secret, Date.now() + offset));
      await page.getByRole('button', { name: '登录', exact: true }).click();
    }
    try {
      await expect(page).toHaveURL(/\/account$/, { timeout: 5_000 });
      return page;
    } catch {
      await page.waitForTimeout(31_000 - (Date.now() % 30_000));
    }
  }
  throw new Error(`cannot sign in ${id.slice(0, 6)}`);
}
