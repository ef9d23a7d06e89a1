/** Child processes of the test bed never outlive the process that started them (a killed run leaves no servers). */
import type { ChildProcess } from 'node:child_process';

export function reapOnExit(child: ChildProcess): ChildProcess {
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  return child;
}
