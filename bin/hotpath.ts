#!/usr/bin/env -S node --import tsx
/**
 * The `hotpath` command.
 *   hotpath start                 all roles in one process (single node; HOTPATH_ROLE narrows it)
 *   hotpath ingest|aggregator|query   one role alone (scale-out)
 */
import { loadConfig, type Role } from '../lib/config/index.ts';
import { startSelfProfile } from '../lib/telemetry/self-profile.ts';
import { keysCommand } from './keys.ts';
import { runCiCommand, startModule } from './lazy-commands.ts';

const USAGE = `usage: hotpath <command>
  start                 run all roles in one process (or HOTPATH_ROLE=ingest,query,...)
  ingest | aggregator | query   run one role alone
  keys create|list|revoke       manage API keys (hotpath keys --help)
  guard --baseline q --comparison q   CI regression gate: exit 0 pass, 1 regression, 2 error (hotpath guard --help)
  diff --baseline q --comparison q    ranked before/after table (--format table|markdown|json)
  report <service>                    the service page: costed fix candidates, trend, hot paths`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'keys') return keysCommand(argv.slice(1));
  // guard, diff, report: HTTP clients, loaded without the server's modules (bin/lazy-commands.ts).
  const ci = await runCiCommand(command, argv.slice(1));
  if (ci !== undefined) return ci;
  if (command === 'start' || command === 'ingest' || command === 'aggregator' || command === 'query') {
    const config = loadConfig(process.env, command === 'start' ? {} : { roles: [command as Role] });
    // Before the server, so that a missing SDK fails the start rather than a running server (and startup is profiled).
    const selfProfiler = await startSelfProfile(config.selfProfile, config.roles);
    const { startHotpath } = await startModule();
    const running = await startHotpath(config);
    if (selfProfiler) running.log.info({ url: config.selfProfile.url, name: config.selfProfile.name, tags: selfProfiler.tags }, 'self-profiling');
    const stop = async (signal: string) => {
      running.log.info({ signal }, 'stopping');
      await running.close();
      // After close: the last upload then holds the shutdown too.
      await selfProfiler?.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    return -1;
  }
  process.stderr.write(`hotpath: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`hotpath: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
