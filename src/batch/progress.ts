/**
 * The progress bar of `sip401 scan`: one line on stderr, redrawn in place, showing files done of
 * total, throughput, time left and the file being read. The CLI creates it only when stderr is a
 * terminal, so logs and pipes never see carriage returns. The line itself is a pure function of
 * the state, for tests; the bar only adds throttling and the escape codes.
 */
import { oneLine, truncate, width as textWidth } from "../report/text.js";

/** ProgressState is everything the line shows. */
export interface ProgressState {
  done: number;
  total: number;
  /** Bytes on disk of the files done, and of all files. */
  doneBytes: number;
  totalBytes: number;
  elapsedMs: number;
  /** The most recently started file still being analysed. */
  current?: string;
}

const BAR_CELLS = 20;
/** Redraws per second at most: enough to look live, few enough to cost nothing. */
const REDRAW_MS = 100;

/** clock formats seconds as m:ss or h:mm:ss. */
function clock(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** progressLine renders the state in at most `width - 1` columns (the last column would wrap on some terminals). */
export function progressLine(s: ProgressState, width: number): string {
  const fraction = s.total === 0 ? 1 : s.done / s.total;
  const filled = Math.round(fraction * BAR_CELLS);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_CELLS - filled)}]`;
  const seconds = s.elapsedMs / 1000;
  const rate = seconds > 0 ? s.doneBytes / seconds : 0;
  // Time left from bytes, not files: one big capture among small ones would make a file count lie.
  const eta = rate > 0 ? clock((s.totalBytes - s.doneBytes) / rate) : "--:--";
  const head = `${bar} ${s.done}/${s.total} files  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${eta}`;
  const room = Math.max(0, width - 1 - textWidth(head) - 2);
  if (s.current === undefined || room < 8) return truncate(head, Math.max(1, width - 1));
  // File names may hold control characters. A long path keeps its end: the file name says more than the archive's top folders.
  const path = oneLine(s.current);
  const name = path.slice(path.lastIndexOf("/") + 1);
  const current = textWidth(path) <= room ? path : textWidth(name) + 2 <= room ? `…/${name}` : `…${path.slice(path.length - (room - 1))}`;
  return `${head}  ${current}`;
}

/** ProgressOutput is where the bar draws (process.stderr, in the CLI). */
export interface ProgressOutput {
  write(s: string): unknown;
  columns?: number;
}

/** ProgressBar tracks a scan and redraws its line, throttled. */
export class ProgressBar {
  private done = 0;
  private doneBytes = 0;
  private readonly running: string[] = [];
  private readonly started: number;
  private lastDraw = -Infinity;

  constructor(
    private readonly out: ProgressOutput,
    private readonly total: number,
    private readonly totalBytes: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** start notes a file handed to a worker. */
  start(path: string): void {
    this.running.push(path);
    this.draw(false);
  }

  /** finish notes a file done. */
  finish(path: string, bytes: number): void {
    const i = this.running.lastIndexOf(path);
    if (i >= 0) this.running.splice(i, 1);
    this.done++;
    this.doneBytes += bytes;
    this.draw(this.done === this.total);
  }

  /** clear erases the line, leaving the terminal as it was. */
  clear(): void {
    this.out.write("\r\x1b[K");
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const line = progressLine(
      {
        done: this.done,
        total: this.total,
        doneBytes: this.doneBytes,
        totalBytes: this.totalBytes,
        elapsedMs: t - this.started,
        current: this.running[this.running.length - 1],
      },
      this.out.columns || 80,
    );
    this.out.write(`\r${line}\x1b[K`);
  }
}
