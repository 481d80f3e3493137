// The time-skipping test server, one per test file. The SDK's createTimeSkipping() gives the server it spawns only
// 5 s to open its port; a JVM on a busy 2-core machine (parallel test files) sometimes needs more. So with our own
// binary we spawn it ourselves, wait as long as it takes (up to 60 s), and attach the SDK to it.
//
// The server starts with time skipping unlocked: whenever it is idle it jumps to the next timer, so a long-running
// workflow (billing:<entityId>) races through months on its own while the test is still reading its state. The
// environment returned here is locked; time moves only in env.sleep() and while a test awaits handle.result().
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../scripts/lib/freePort.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// TestWorkflowEnvironment.create is private in the SDK's typings but is what createTimeSkipping() calls with the
// server it started; calling it with server 'existing' and supportsTimeSkipping keeps env.sleep() skipping time.
// Checked against @temporalio/testing 1.24.0 (pinned).
type CreateOptions = { server: { type: 'existing' }; address: string; namespace: string; supportsTimeSkipping: true };
const createEnvironment = (
  TestWorkflowEnvironment as unknown as { create(o: CreateOptions): Promise<TestWorkflowEnvironment> }
).create.bind(TestWorkflowEnvironment);

export async function startTimeSkippingEnvironment(
  testServerPath: string | undefined,
): Promise<TestWorkflowEnvironment> {
  const env = testServerPath
    ? await attachToOwnServer(testServerPath)
    : await TestWorkflowEnvironment.createTimeSkipping();
  await env.connection.testService?.lockTimeSkipping({});
  return env;
}

async function attachToOwnServer(testServerPath: string): Promise<TestWorkflowEnvironment> {
  const port = await freePort();
  const child = spawn(testServerPath, [String(port), '--enable-time-skipping'], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`time-skipping test server exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('time-skipping test server did not open its port within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = await createEnvironment({
    server: { type: 'existing' },
    address: `127.0.0.1:${port}`,
    namespace: 'default',
    supportsTimeSkipping: true,
  });
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    await teardown();
    child.kill('SIGTERM');
  };
  return env;
}
