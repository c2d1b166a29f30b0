// Entry points only: activate() builds the Ctx (cheap: no I/O is awaited here; the folder scan
// and host attach run afterwards); deactivate() returns the stop promise.
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { makeApi, type AgenticApi } from './api';
import { refuseUnsupportedPlatform } from './platform';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): AgenticApi | undefined {
  if (refuseUnsupportedPlatform(context)) return undefined;
  ctx = new Ctx(context);
  // test hooks (approving commands among them) only for a test run, never for other extensions
  return makeApi(ctx, context.extensionMode === vscode.ExtensionMode.Test);
}

export function deactivate(): Promise<void> | undefined {
  const c = ctx;
  ctx = undefined;
  return c?.stop();
}
