// Starts the stream emulator (`python -m stream_emulator --port 0`) for one test file, and stops it.
// The Python interpreter is $STREAM_EMULATOR_PYTHON (make test-sdks passes the project venv's), else python3.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const KEY = 'node-sdk-key';
export const SECRET = 'node-sdk-secret-0123456789-0123456789-0123';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = 'stream-iac emulator listening on ';

export async function startEmulator(...args) {
  const python = process.env.STREAM_EMULATOR_PYTHON || 'python3';
  const child = spawn(
    python,
    ['-m', 'stream_emulator', '--port', '0', '--api-key', KEY, '--api-secret', SECRET, '--no-rate-limits', ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const firstLine = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was listening`)));
    setTimeout(() => reject(new Error('the emulator did not start within 20 s')), 20000).unref();
  });
  let line;
  try {
    line = await firstLine;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (!line.startsWith(LISTENING)) {
    child.kill('SIGKILL');
    throw new Error(`unexpected first line from the emulator: ${line}`);
  }
  return {
    url: line.slice(LISTENING.length).trim(),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
