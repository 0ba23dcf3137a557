import { parseArgs } from 'node:util';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { withServices } from '../server.js';

const USAGE = `Usage:
  croft user create --email EMAIL --name NAME --farm FARM_NAME [--timezone ZONE]
      First run only: the first user (instance admin) and their first farm. The password is read
      from standard input (typed without echo in a terminal, or piped: printf '%s\\n' "$PW" | croft user create …).
  croft user reset-password EMAIL
      Prints a one-time password-reset token (POST /api/v1/auth/password-reset).`;

/** Reads one line: without echo in a terminal, else the first line of the pipe. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          stdin.setRawMode(false);
          reject(new Error('cancelled'));
          return;
        }
        value = char === '\u007f' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.on('data', onData);
  });
}

/** `croft user …`: returns the exit code. */
export async function userCommand(args: string[], config: Config, log: Logger): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        farm: { type: 'string' },
        timezone: { type: 'string' },
      },
    });
    if (!values.email || !values.name || !values.farm) {
      console.error(USAGE);
      return 2;
    }
    const timezone = values.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    const password = await readPassword('Password for the new admin: ');
    await withServices(config, log, async ({ auth }) => {
      const { user, farm } = await auth.setup(
        {
          email: values.email!,
          name: values.name!,
          password,
          farm: { name: values.farm!, timezone },
          setupToken: config.setupToken,
        },
        { ip: null, userAgent: 'croft-cli' },
      );
      console.log(`Created ${user.email} (instance admin) and the farm "${farm.name}" (${farm.slug}).`);
    });
    return 0;
  }
  if (action === 'reset-password' && rest[0]) {
    await withServices(config, log, async ({ auth }) => {
      const token = await auth.createPasswordReset(rest[0]!);
      console.log(token);
      console.error(`One-time reset token for ${rest[0]}, valid ${config.passwordResetTtlMinutes} minutes.`);
    });
    return 0;
  }
  console.error(USAGE);
  return 2;
}
