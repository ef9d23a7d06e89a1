// Jest reporter that ends the run with one plain line, `N passed, N failed, N skipped`, which CI reads as the verdict.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`,
    );
  }
}
