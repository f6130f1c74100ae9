import { defineConfig, devices } from '@playwright/test';

// The real server with the demo catalogue, on its own port and a fresh data directory.
const port = Number(process.env.YIWANG_E2E_PORT ?? 18_080);
const clockPort = port + 1;
// The fake SMS gateway both servers text through (sms-gateway.mjs); journeys read the codes
// a phone received from it.
const smsPort = port + 3;
const sms = `--sms-gateway-url http://127.0.0.1:${smsPort}/sms`;
const dataDir = `.data/run-${process.pid}`;
const server = process.env.YIWANG_BIN ?? '../target/debug/yiwang';
// The servers' log, printed with the tests' output: warnings and errors only.
const serverLog = { RUST_LOG: process.env.RUST_LOG ?? 'warn' };

// Debian's Chromium: no browser is downloaded. The flags keep it from calling home, which this
// network refuses.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'phone',
      // Staff consoles are desktop-first (the staff journeys also sign in demo accounts whose
      // authenticator codes are accepted once, so they run in one project).
      testIgnore: /(staff|backoffice|supervision)\.spec\.ts/,
      use: { ...devices['Pixel 7'], viewport: { width: 360, height: 740 }, launchOptions },
    },
    {
      name: 'desktop',
      // The phone journeys set their own widths (360 and 390 px).
      testIgnore: /(supervision|phone)\.spec\.ts/,
      use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 }, launchOptions },
    },
    {
      // The supervision journeys move the server's clock by days: they have a server of their
      // own, started with the test clock, so that no other journey's session lapses.
      name: 'supervision',
      testMatch: /supervision\.spec\.ts/,
      use: {
        ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 }, launchOptions,
        baseURL: `http://127.0.0.1:${clockPort}`,
      },
    },
  ],
  webServer: [
    {
      command: `node sms-gateway.mjs ${smsPort}`,
      url: `http://127.0.0.1:${smsPort}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `${server} --demo --bind 127.0.0.1:${port} --data-dir ${dataDir} --site-dir ../target/site --login-attempts-per-minute 600 ${sms}`,
      url: `http://127.0.0.1:${port}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      // Only its warnings and errors, which say why a journey met a 5xx.
      env: serverLog,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: `${server} --demo --test-clock --deadline-scan-secs 0 --bind 127.0.0.1:${clockPort} --data-dir ${dataDir}-clock --site-dir ../target/site --login-attempts-per-minute 600 ${sms}`,
      url: `http://127.0.0.1:${clockPort}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      // Only its warnings and errors, which say why a journey met a 5xx.
      env: serverLog,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
