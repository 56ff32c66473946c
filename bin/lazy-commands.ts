/**
 * Commands `bin/hotpath.ts` loads only when asked for, so `hotpath guard` in a CI job starts without the server's
 * modules (chdb, kafkajs, fastify): seconds instead of tens of seconds on a busy runner. The dynamic imports live
 * here because tsx cannot lex a dynamic import in a file that starts with a shebang line, as bin/hotpath.ts does.
 */
export async function startModule(): Promise<typeof import('./start.ts')> {
  return import('./start.ts');
}

const CI_COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  guard: async () => (await import('./guard.ts')).guardCommand,
  diff: async () => (await import('./diff.ts')).diffCommand,
  report: async () => (await import('./report.ts')).reportCommand,
};

/** Runs a CI command (guard, diff, report); undefined when `command` is none of them. */
export async function runCiCommand(command: string, argv: string[]): Promise<number | undefined> {
  const load = CI_COMMANDS[command];
  return load ? (await load())(argv) : undefined;
}
