/**
 * Resource use of a process from Linux /proc: resident memory (now and peak) and CPU time; and the child processes of
 * this process by name (to find kube-apiserver and etcd of the local control plane).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A reading of one process. */
export interface ProcSample {
  /** Resident set size now (VmRSS). */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM). */
  peakRssBytes: number;
  /** Of the RSS now: anonymous memory (the heaps; RssAnon), and pages mapped from files (Node's binary, its shared libraries: RssFile). */
  rssAnonBytes: number;
  rssFileBytes: number;
  /** User + system CPU time since the process started. */
  cpuSeconds: number;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces), so index 0 is field 3 (state). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Reads RSS, peak RSS and CPU time of `pid`; undefined when the process is gone. */
export function readProcStats(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      rssBytes: statusKb(status, 'VmRSS'),
      peakRssBytes: statusKb(status, 'VmHWM'),
      rssAnonBytes: statusKb(status, 'RssAnon'),
      rssFileBytes: statusKb(status, 'RssFile'),
      cpuSeconds: ticks / ticksPerSecond(),
    };
  } catch {
    return undefined;
  }
}

/** Pids of the direct children of this process whose command name (comm) is `name`. */
export function childPidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm !== name) continue;
      const ppid = Number(statFields(Number(entry))[1]);
      if (ppid === process.pid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** CPU seconds summed over `pids` (processes that ended count as 0). */
export function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readProcStats(pid)?.cpuSeconds ?? 0), 0);
}

export const MB = 1024 * 1024;

/** CPU seconds all processes of the machine spent busy since boot (from /proc/stat; idle and iowait excluded). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / ticksPerSecond();
}
