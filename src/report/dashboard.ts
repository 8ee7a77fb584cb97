/**
 * `digit-sweep dashboard`: an HTTP server on 127.0.0.1 (node:http, no framework) that shows a study as
 * report.html does (the same renderer: html.ts renderReportParts and reportPage) and keeps the page up
 * to date while a sweep runs: it checks the study's store every `pollMs` (lowdb: study.json's mtime and
 * size; Redis: the study read through RedisTrialStore, compared as JSON), re-renders the parts of the
 * page (throttled: one render at a time, ThrottledWriter) and sends the parts that changed to every open
 * page as a server-sent event; the page's script swaps them in (no reload). It only reads: nothing in
 * the study or its folder is written.
 *
 * Routes: `/` the list of studies (or, given a NAME, a redirect to it); `/study/NAME/` the page;
 * `/study/NAME/events` the event stream (`?v=` the version the page shows: an older one gets the
 * current parts at once).
 */
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { UserError } from '../core/errors.js';
import type { StudyRecord } from '../core/types.js';
import { STUDY_FILE, readStudy } from '../storage/study-file.js';
import { checkStudyName } from '../study/names.js';
import { escapeHtml as e, formatValue } from './format.js';
import { renderReportParts, reportPage, type ReportParts } from './html.js';
import { reportInputOf } from './index.js';
import { ThrottledWriter } from './live.js';
import { listStudies } from './studies.js';

export interface DashboardOptions {
  /** The study to open (the server still serves the others); its absence is a UserError. */
  name?: string;
  /** 0: a free port. */
  port: number;
  runsDir: string;
  /** Read the studies from Redis at this URL instead of runsDir. */
  redis?: string;
  /** How often a study's store is checked for changes (default 500 ms; Redis 1,000 ms). */
  pollMs?: number;
  /** Least time between two renders of a study (default 1,000 ms; a slow render waits twice its length). */
  minRenderMs?: number;
  /** A render or read that failed (the dashboard goes on and tries again on the next change). */
  onError?: (err: unknown) => void;
}

export interface Dashboard {
  /** `http://127.0.0.1:PORT/`, or the study's page when a NAME was given. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Where a study is read: a change token (cheap) and the record. */
interface StudySource {
  token(): Promise<string>;
  read(): Promise<StudyRecord>;
  studyDir: string;
}

function lowdbSource(runsDir: string, name: string): StudySource {
  const studyDir = join(runsDir, name);
  return {
    studyDir,
    token: async () => {
      const s = await stat(join(studyDir, STUDY_FILE)).catch(async (err: unknown) => {
        await readStudy(studyDir); // no study.json: the store's one-line UserError (or its backup hint)
        throw err;
      });
      return `${s.mtimeMs}:${s.size}`;
    },
    read: () => readStudy(studyDir),
  };
}

/** `redis` is storage/redis.ts, loaded only for a Redis dashboard (a lowdb one never loads ioredis). */
function redisSource(redis: Redis, lib: typeof import('../storage/redis.js'), url: string, runsDir: string, name: string): StudySource {
  const store = new lib.RedisTrialStore({ redis, study: name });
  let last: StudyRecord | null = null;
  return {
    studyDir: join(runsDir, name),
    token: async () => {
      last = await store.getStudy();
      if (!last) throw new UserError(`no study ${name} in Redis at ${url}`);
      return JSON.stringify(last);
    },
    read: async () => {
      if (!last) throw new UserError(`no study ${name} in Redis at ${url}`);
      return last;
    },
  };
}

/** One study's page: its current parts and version, its open event streams, its poll. */
class StudyView {
  version = 0;
  parts: ReportParts | null = null;
  private page: string | null = null;
  private token = '';
  private checking = false;
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly renders: ThrottledWriter;

  constructor(
    private readonly source: StudySource,
    pollMs: number,
    minRenderMs: number,
    onError: (err: unknown) => void,
  ) {
    this.renders = new ThrottledWriter(() => this.render(), { minIntervalMs: minRenderMs, onError });
    this.timer = setInterval(() => void this.check().catch(onError), pollMs);
    this.timer.unref();
  }

  /** The first render (its errors, a missing study among them, are the caller's). */
  async open(): Promise<void> {
    this.token = await this.source.token();
    await this.render();
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const token = await this.source.token();
      if (token === this.token) return;
      this.token = token;
      this.renders.request();
    } finally {
      this.checking = false;
    }
  }

  private async render(): Promise<void> {
    const parts = await renderReportParts(await reportInputOf(await this.source.read(), this.source.studyDir));
    const changed: Partial<ReportParts> = {};
    for (const [k, v] of Object.entries(parts) as Array<[keyof ReportParts, string]>) if (this.parts?.[k] !== v) changed[k] = v;
    this.parts = parts;
    this.page = null;
    this.version++;
    this.broadcast(changed);
  }

  html(): string {
    this.page ??= reportPage(this.parts!, { dashboard: { events: 'events', version: this.version } });
    return this.page;
  }

  private broadcast(parts: Partial<ReportParts>): void {
    const { title: _t, ...shown } = parts;
    const msg = `data: ${JSON.stringify({ version: this.version, parts: shown })}\n\n`;
    for (const res of this.clients) res.write(msg);
  }

  subscribe(req: IncomingMessage, res: ServerResponse, seen: string | null): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': digit-sweep dashboard\n\n');
    if (seen !== String(this.version) && this.parts) {
      const { title: _t, ...all } = this.parts;
      res.write(`data: ${JSON.stringify({ version: this.version, parts: all })}\n\n`);
    }
    this.clients.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      this.clients.delete(res);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renders.close();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function listPage(title: string, rows: Array<{ name: string; text: string }>, where: string): string {
  const body = rows.length
    ? `<ul>${rows.map((r) => `<li><a href="study/${encodeURIComponent(r.name)}/">${e(r.name)}</a> ${e(r.text)}</li>`).join('')}</ul>`
    : `<p>No studies in ${e(where)} (start one with: <code>digit-sweep sweep</code>).</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<style>body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#222}li{margin:4px 0}</style></head>
<body><h1>${e(title)}</h1><p>Studies in ${e(where)}:</p>${body}</body></html>`;
}

/** Starts the dashboard; resolves once it listens (a missing study or a port in use: UserError). */
export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const lib = opts.redis ? await import('../storage/redis.js') : null;
  const redis = opts.redis ? await (await import('../study/remote.js')).connectChecked(opts.redis) : null;
  const where = opts.redis ? `Redis at ${opts.redis}` : `${opts.runsDir}/`;
  const pollMs = opts.pollMs ?? (redis ? 1000 : 500);
  const onError = opts.onError ?? (() => undefined);
  const views = new Map<string, Promise<StudyView>>();
  const closeRedis = () => (redis ? redis.quit().then(() => undefined, () => redis.disconnect()) : Promise.resolve());

  const view = (name: string): Promise<StudyView> => {
    let v = views.get(name);
    if (!v) {
      const source = redis ? redisSource(redis, lib!, opts.redis!, opts.runsDir, name) : lowdbSource(opts.runsDir, name);
      const made = new StudyView(source, pollMs, opts.minRenderMs ?? 1000, onError);
      v = made.open().then(() => made, async (err: unknown) => {
        views.delete(name);
        await made.close();
        throw err;
      });
      views.set(name, v);
    }
    return v;
  };

  const studies = async (): Promise<Array<{ name: string; text: string }>> => {
    if (!redis) {
      return (await listStudies(opts.runsDir)).map((s) => ({
        name: s.name,
        text: s.problem ? `(unreadable: ${s.problem})` : `(${s.trials} trials: ${s.complete} complete, ${s.running} running; best ${formatValue(s.best)})`,
      }));
    }
    return (await redis.smembers(lib!.STUDIES_KEY)).sort().map((name) => ({ name, text: '' }));
  };

  if (opts.name !== undefined) {
    checkStudyName(opts.name);
    try {
      await view(opts.name);
    } catch (err) {
      await closeRedis();
      throw err;
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only', 'text/plain');
    if (url.pathname === '/favicon.ico') return send(res, 204, '', 'text/plain'); // none: a quiet answer, not a 404
    if (url.pathname === '/') {
      if (opts.name !== undefined) return send(res, 302, '', 'text/plain', { location: `/study/${encodeURIComponent(opts.name)}/` });
      return send(res, 200, listPage('digit-sweep dashboard', await studies(), where));
    }
    const m = /^\/study\/([^/]+)\/(events)?$/.exec(url.pathname);
    if (!m) return send(res, 404, 'not found', 'text/plain');
    let v: StudyView;
    try {
      v = await view(checkStudyName(decodeURIComponent(m[1]!)));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return send(res, 404, `${e(err.message)}`, 'text/plain; charset=utf-8');
    }
    if (m[2]) return v.subscribe(req, res, url.searchParams.get('v'));
    return send(res, 200, v.html());
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) send(res, 500, (err as Error).message ?? String(err), 'text/plain; charset=utf-8');
      else res.end();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is in use' : `cannot be used (${err.code ?? err.message})`;
      reject(new UserError(`dashboard: port ${opts.port} on 127.0.0.1 ${why}; pick another with --port (0: any free port)`));
    });
    server.listen(opts.port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  }).catch(async (err: unknown) => {
    for (const v of views.values()) await (await v).close();
    await closeRedis();
    throw err;
  });
  const base = `http://127.0.0.1:${port}/`;
  return {
    url: opts.name !== undefined ? `${base}study/${encodeURIComponent(opts.name)}/` : base,
    port,
    close: async () => {
      for (const v of views.values()) await (await v.catch(() => null))?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeRedis();
    },
  };
}
