// The extension's own VS Code settings (the agents themselves are configured in
// agentic_config.yaml, read by the host).
import * as vscode from 'vscode';
import type { LogRecord } from '../common/model';

export const SECTION = 'agenticBackground';
export type HostLogLevel = LogRecord['level'];

export interface Settings {
  /** launch a host for a folder with agentic_config.yaml when none is running */
  autoStart: boolean;
  /** submit the configured save triggers' tasks on save */
  onSave: boolean;
  /** the least severe host / agent record copied into the output channel */
  hostLogLevel: HostLogLevel;
}

const LEVELS: readonly HostLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const level = c.get<string>('hostLogLevel', 'info');
  return {
    autoStart: c.get<boolean>('autoStart', true),
    onSave: c.get<boolean>('onSave', true),
    hostLogLevel: (LEVELS as readonly string[]).includes(level) ? (level as HostLogLevel) : 'info',
  };
}

/** Toggles on-save for this workspace (or the user when no folder is open). */
export function setOnSave(on: boolean): Thenable<void> {
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  return vscode.workspace.getConfiguration(SECTION).update('onSave', on, target);
}
