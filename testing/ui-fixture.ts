/**
 * A small work dir with real runs and a real eval, for the web inspector's tests: the CLI as a user
 * runs it (child processes), on a real 6-user slice of the Instacart sample, with the real sentence
 * encoder and local models. LLM roles are answered by the scripted OpenAI-compatible server, so one
 * run escalates (Phase 1 local tier below a high threshold → cheap; Phase 2 student → teacher, which
 * records the candidates it chose from) and one user fails (a refusal with no tier left to fall back
 * to): the things people open the inspector to look at.
 *
 * Building it takes about a minute on 2 cores, so the test files of one vitest invocation share it
 * (testing/shared-build.ts).
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRealSubset } from './e2e-fixture.js';
import { sharedBuild } from './shared-build.js';
import type { RunManifest } from '../pipelines/manifest.js';
import type { Themes } from '../phases/themes/schema.js';
import { STORED_PHASE } from '../ui/data.js';
import { reply, simulationResponder, promptTextOf, startScriptedServer } from '../llm/simulator/scripted-server.js';

const HUBGEN = fileURLToPath(new URL('../scripts/hubgen.mjs', import.meta.url));

export interface UiFixture {
  readonly workDir: string;
  readonly dataDir: string;
  /** Train users (their target is a real next order), in every ok run. */
  readonly users: readonly [number, number];
  /** The user whose themes cascade fails in the `failing` run. */
  readonly failingUser: number;
  readonly runs: {
    /** Default offline config: local tiers only. */
    readonly offline: string;
    /** Phase 1's local threshold raised to 0.95 and `cheap` on the scripted server: every themes cascade escalates. */
    readonly escalated: string;
    /** Phase 1 on `cheap` alone, which refuses the failing user: one ok, one failed. */
    readonly failing: string;
  };
  /** `hubgen eval --simulate` report folder name under <workDir>/evals. */
  readonly evalName: string;
}

/** Runs `hubgen <args>`; rejects with the output when it exits other than `expectCode`. */
function hubgen(args: readonly string[], env: Record<string, string>, cwd: string, expectCode = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HUBGEN_|OPENAI_|QDRANT_)/.test(k)));
    const child = spawn(process.execPath, [HUBGEN, ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === expectCode ? resolve(out) : reject(new Error(`hubgen ${args.join(' ')} exited ${code}\n${out}\n${err}`))));
  });
}

const runIdOf = (stdout: string): string => {
  const m = /^run (\S+): /m.exec(stdout);
  if (!m) throw new Error(`no run id in:\n${stdout}`);
  return m[1];
};

/** Builds the fixture from scratch into `root` (which must exist and be empty). */
export async function buildUiFixture(root: string): Promise<UiFixture> {
  const subset = await writeRealSubset(6);
  const dataDir = join(root, 'data');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir);
  for (const f of await readdir(subset.dir)) await writeFile(join(dataDir, f), await readFile(join(subset.dir, f)));
  await rm(subset.dir, { recursive: true, force: true });

  const workDir = join(root, 'work');
  const cwd = join(root, 'cwd');
  await mkdir(cwd, { recursive: true });
  const [userA, userB] = subset.trainUsers;
  const failingUser = subset.users.find((u) => !subset.trainUsers.includes(u))!;
  const env = { HUBGEN_DATA_DIR: dataDir };
  const cli = (args: readonly string[], code = 0) => hubgen(['--work-dir', workDir, ...args], env, cwd, code);

  await cli(['index']);
  const offline = runIdOf(await cli(['run', '--users', `${userA},${userB}`]));

  // The LLM tier answers Phase 1 with the local model's own themes for that user, reordered and one
  // short, so escalated pages are real pages that differ from the offline ones; it refuses the
  // failing user. The themes prompt opens with "Shopper <id>:", which is how it tells users apart.
  const offlineThemes = new Map<number, Themes>();
  for (const u of [userA, userB]) offlineThemes.set(u, await themesOf(workDir, offline, u));
  const server = await startScriptedServer({
    responder: (request, info) => {
      const user = Number(/Shopper (\d+):/.exec(promptTextOf(request))?.[1]);
      if (user === failingUser) return reply.refusal('I cannot help with this request.');
      const local = offlineThemes.get(user);
      const schema = request.response_format?.json_schema?.name;
      if (local && schema === 'hubgen_themes') return reply.json(llmVariantOf(local));
      if (schema === 'keyword_selection') return reply.json(teacherPick(promptTextOf(request)));
      return simulationResponder(request, info);
    },
  });
  try {
    // Phase 1 and the keyword teacher reach the server (the student escalates below 0.9); the judge
    // stays local, so what survives Phase 3 is judged for real.
    const config = async (name: string, themesCascade: unknown) => {
      const file = join(cwd, `${name}.config.json`);
      const keywords = { cascade: [{ role: 'student', threshold: 0.9 }, { role: 'teacher', threshold: 0 }] };
      const phases = { themes: { cascade: themesCascade }, keywords, filter: { judgeCascade: [{ role: 'local', threshold: 0 }] } };
      await writeFile(file, JSON.stringify({ providers: { openai: { baseURL: server.baseURL } }, phases }));
      return file;
    };
    const escalatedConfig = await config('escalated', [{ role: 'local', threshold: 0.95 }, { role: 'cheap', threshold: 0.5 }]);
    const escalated = runIdOf(await cli(['--config', escalatedConfig, 'run', '--users', `${userA},${userB}`]));
    const failingConfig = await config('failing', [{ role: 'cheap', threshold: 0.5 }]);
    const failing = runIdOf(await cli(['--config', failingConfig, 'run', '--users', `${userA},${failingUser}`], 3));

    const evalName = 'simulated';
    await cli(['eval', '--simulate', '--no-judge', '--users', `${userA},${userB}`, '--variants', 'cascaded,single-step-local', '--out', join(workDir, 'evals', evalName)]);
    return { workDir, dataDir, users: [userA, userB], failingUser, runs: { offline, escalated, failing }, evalName };
  } finally {
    await server.close();
  }
}

async function themesOf(workDir: string, runId: string, userId: number): Promise<Themes> {
  const manifest = JSON.parse(await readFile(join(workDir, 'runs', runId, 'manifest.json'), 'utf8')) as RunManifest;
  const hash = manifest.users[userId].phases![STORED_PHASE.themes].hash;
  return (JSON.parse(await readFile(join(workDir, 'artefacts', hash.slice(0, 2), `${hash}.json`), 'utf8')) as { data: Themes }).data;
}

/** What the scripted "LLM" answers: the local themes, last first, without the local favourite, confidently. */
function llmVariantOf(local: Themes): Themes {
  const themes = [...local.themes].reverse().slice(0, -1).map((t) => ({ ...t, confidence: 0.85 }));
  return { pageTitle: `${local.pageTitle} (LLM pick)`.slice(0, 90), themes };
}

/**
 * What the scripted keyword "teacher" answers: six of the candidates the prompt lists, those sharing a
 * word with the theme's title or concepts first, as a model that read the theme would.
 */
export function teacherPick(prompt: string): { keywords: { text: string; categories: string[]; departments: string[] }[]; confidence: number } {
  const about = new Set(
    [/^Theme title: (.*)$/m, /^Theme concepts: (.*)$/m].flatMap((re) => (re.exec(prompt)?.[1] ?? '').toLowerCase().split(/[^a-z]+/)).filter((w) => w.length > 2),
  );
  const candidates = [...prompt.matchAll(/^\d+\. (.+?) \| /gm)].map((m) => m[1]);
  const onTopic = (text: string) => text.toLowerCase().split(/\s+/).some((w) => about.has(w));
  const picked = [...candidates.filter(onTopic), ...candidates.filter((c) => !onTopic(c))].slice(0, 6);
  return { keywords: picked.map((text) => ({ text, categories: [], departments: [] })), confidence: 0.8 };
}

/** The fixture for this vitest invocation: built once by whichever test file asks first, waited for by the rest. */
export const sharedUiFixture = ({ timeoutMs = 600_000 } = {}): Promise<UiFixture> => sharedBuild('hubgen-ui-fixture', buildUiFixture, { timeoutMs });
