// The extension's LogOutputChannel: its own messages and, per folder, the host's and agents' log
// records (log/subscribe + log/didAppend) at the level chosen in agenticBackground.hostLogLevel.
import * as vscode from 'vscode';
import type { LogRecord } from '../common/model';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Agentic Background', { log: true });

  info(msg: string): void {
    this.channel.info(msg);
  }
  warn(msg: string): void {
    this.channel.warn(msg);
  }
  debug(msg: string): void {
    this.channel.debug(msg);
  }
  error(msg: string, err?: unknown): void {
    this.channel.error(err === undefined ? msg : `${msg}: ${errorText(err)}`);
  }

  /** Host records, prefixed with the folder (multi-root) and the agent / task they concern. */
  host(folder: string, records: readonly LogRecord[]): void {
    for (const r of records) {
      const { time: _t, level, msg, agent, taskId, ...rest } = r;
      const where = [folder, agent ? `agent ${agent}` : '', taskId ? `task ${taskId}` : ''].filter(Boolean).join(' ');
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      const line = `[${where}] ${msg}${extra}`;
      if (level === 'error') this.channel.error(line);
      else if (level === 'warn') this.channel.warn(line);
      else if (level === 'info') this.channel.info(line);
      else if (level === 'debug') this.channel.debug(line);
      else this.channel.trace(line);
    }
  }

  dispose(): void {
    this.channel.dispose();
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
