// A worker's events become store writes inside the worker's 'message' listener. An exception
// there (a constraint the store refuses, a full disk) would be uncaught and end the whole process
// (serve, the Electron app, a CLI following several runs) with the run left `running` (#15 item 15).

/** Run `fn`; an exception is handed to `report` instead of escaping. If `report` throws too, the
 *  message goes to stderr: nothing here may throw. */
export function guarded(what: string, fn: () => void, report: (message: string) => void): void {
  try {
    fn();
  } catch (err) {
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    try { report(message); } catch { process.stderr.write(`whittle: ${message}\n`); }
  }
}
