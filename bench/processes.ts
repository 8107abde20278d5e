import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const DIST_ROOT = path.resolve(__dirname, '..');

/** BENCH_PROFILE=<dir>: node's flags that write a CPU profile of a process under test there (open it in Chrome DevTools). */
export function profileFlags(): string[] {
  return process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
}

/** Starts `node <script>` from the build and waits for a line matching `ready`; `profiled` children honour BENCH_PROFILE. */
export function startChild(script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, profiled = false): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [...(profiled ? profileFlags() : []), path.join(DIST_ROOT, script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line) resolve({ child, line });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${out.slice(-2000)}`)));
  });
}

/** Starts `node <script>` (profiled under BENCH_PROFILE) and polls `healthUrl` until it answers 200 (quiet servers print nothing). */
export async function startServer(script: string, env: NodeJS.ProcessEnv, healthUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...profileFlags(), path.join(DIST_ROOT, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const ok = await fetch(healthUrl).then((r) => r.ok, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not become healthy`);
}

export function runToEnd(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [path.join(DIST_ROOT, script), ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out)))));
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
