/**
 * A tiny Chrome DevTools Protocol client for the headless-browser test: starts Debian's chromium,
 * speaks CDP over a hand-written WebSocket (Node 20 has none built in) and collects console messages,
 * uncaught exceptions and failed loads. Test-only; no dependencies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of a chromium binary, or null when none is installed. */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

export interface PageProblem {
  kind: 'console' | 'exception' | 'log' | 'network';
  level: string;
  text: string;
}

type Handler = (params: Record<string, any>) => void;

class WebSocketLite {
  private buf = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  onMessage: (text: string) => void = () => {};

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
  }

  static open(url: string): Promise<WebSocketLite> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const sock = connect(Number(u.port), u.hostname);
      const key = randomBytes(16).toString('base64');
      let head = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        if (!/^HTTP\/1\.1 101/.test(head.subarray(0, end).toString())) {
          reject(new Error(`WebSocket handshake failed: ${head.subarray(0, end).toString().split('\r\n')[0]}`));
          sock.destroy();
          return;
        }
        const ws = new WebSocketLite(sock);
        resolve(ws);
        const rest = head.subarray(end + 4);
        if (rest.length) sock.emit('data', rest);
      };
      sock.on('data', onData);
      sock.on('error', reject);
      sock.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  send(text: string): void {
    const payload = Buffer.from(text);
    const n = payload.length;
    const header = n < 126 ? Buffer.from([0x81, 0x80 | n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (n >= 126 && n < 65536) {
      header[0] = 0x81;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(n, 2);
    } else if (n >= 65536) {
      header[0] = 0x81;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(n), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(n);
    for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
    this.sock.write(Buffer.concat([header, mask, masked]));
  }

  private drain(): void {
    for (;;) {
      if (this.buf.length < 2) return;
      const fin = (this.buf[0]! & 0x80) !== 0;
      const opcode = this.buf[0]! & 0x0f;
      let len = this.buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + len) return;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (opcode === 0x8) return void this.sock.end();
      if (opcode === 0x9 || opcode === 0xa) continue; // ping/pong: Chrome does not need answers here
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const text = Buffer.concat(this.fragments).toString('utf8');
        this.fragments = [];
        this.onMessage(text);
      }
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

/** One headless chromium with one page, driven over CDP. */
export class HeadlessPage {
  readonly problems: PageProblem[] = [];
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private listeners = new Map<string, Handler[]>();

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocketLite,
    private readonly profile: string,
  ) {
    ws.onMessage = (text) => {
      const msg = JSON.parse(text);
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${msg.error.message}`));
        else p?.resolve(msg.result);
      } else if (msg.method) {
        for (const h of this.listeners.get(msg.method) ?? []) h(msg.params);
      }
    };
    this.on('Runtime.consoleAPICalled', (p) => {
      const text = (p.args ?? []).map((a: any) => a.value ?? a.description ?? '').join(' ');
      this.problems.push({ kind: 'console', level: p.type, text });
    });
    this.on('Runtime.exceptionThrown', (p) =>
      this.problems.push({ kind: 'exception', level: 'error', text: p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text ?? '' }),
    );
    this.on('Log.entryAdded', (p) => this.problems.push({ kind: 'log', level: p.entry.level, text: `${p.entry.source}: ${p.entry.text} ${p.entry.url ?? ''}` }));
    this.on('Network.loadingFailed', (p) => this.problems.push({ kind: 'network', level: 'error', text: `${p.errorText} (${p.type})` }));
  }

  static async launch(binary: string, width = 1280, height = 900): Promise<HeadlessPage> {
    const profile = await mkdtemp(join(tmpdir(), 'digit-sweep-chromium-'));
    const proc = spawn(
      binary,
      ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--remote-debugging-port=0', '--no-first-run',
        `--window-size=${width},${height}`, 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${err.slice(-2000)}`)), 30_000);
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on('exit', (code) => reject(new Error(`chromium exited (${code}):\n${err.slice(-2000)}`)));
    });
    const port = new URL(wsUrl).port;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
    const page = targets.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium has no page target');
    const ws = await WebSocketLite.open(page.webSocketDebuggerUrl);
    const hp = new HeadlessPage(proc, ws, profile);
    await Promise.all(['Runtime.enable', 'Log.enable', 'Page.enable', 'Network.enable'].map((m) => hp.send(m)));
    return hp;
  }

  on(method: string, h: Handler): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), h]);
  }

  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Navigates and waits for the load event (plus a short settle time). */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.on('Page.loadEventFired', () => resolve()));
    await this.send('Page.navigate', { url });
    await loaded;
    await new Promise((r) => setTimeout(r, 300));
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** A PNG of the whole page (beyond the viewport). */
  async screenshot(): Promise<Buffer> {
    const r = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(r.data, 'base64');
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // already gone
    }
    this.ws.close();
    // Chromium may still be writing its profile: wait for it to exit before removing the folder.
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      const killed = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killed);
    }
    await rm(this.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
