// Debian's Chromium through playwright-core, and the workbench URL that loads our extension in
// development mode (optionally with a test suite to run inside its extension host).
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The authority of the vscode-remote URIs must be the page's own host:port. */
export function workbenchUrl(host, { ext, folder, tests }) {
  const remote = (p) => `vscode-remote://${host}${resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ext)],
    ['skipWelcome', 'true'],
  ];
  if (tests) payload.push(['extensionTestsPath', remote(tests)], ['enableProposedApi', '']);
  return `http://${host}/?folder=${encodeURIComponent(resolve(folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
