// A TreeDataProvider's change event, fired at most once per interval however many host
// notifications arrive (a burst of 50 task changes repaints the tree once).
import * as vscode from 'vscode';

export class DebouncedRefresh<T> implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<T | undefined>();
  readonly event = this.emitter.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms = 150) {}

  fire(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.emitter.fire(undefined);
    }, this.ms);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}
