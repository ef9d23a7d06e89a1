/** Exit codes of every sv-kms command, documented in README. */
export const EXIT = { ok: 0, problems: 1, usage: 2, failure: 3 } as const;
