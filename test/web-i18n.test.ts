import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOCALES = join(import.meta.dirname, '../web/src/i18n/locales');
const SOURCE = join(import.meta.dirname, '../web/src');
type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (/\.tsx?$/.test(entry.name) && !path.includes('generated')) out.push(path);
  }
  return out;
}

describe('web app translations', async () => {
  const locales = Object.fromEntries(
    await Promise.all(
      ['en', 'km', 'de', 'es'].map(
        async (code) =>
          [code, flatten(JSON.parse(await readFile(join(LOCALES, `${code}.json`), 'utf8')) as Tree)] as const,
      ),
    ),
  );
  const en = locales.en!;

  it.each(['km', 'de', 'es'])(
    '%s has every English string, no other, with the same placeholders, none empty',
    (code) => {
      const other = locales[code]!;
      expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, text] of en) {
        expect(placeholders(other.get(key)!), `${code}: ${key}`).toEqual(placeholders(text));
        expect(other.get(key)!.trim(), `${code}: ${key}`).not.toBe('');
      }
    },
  );

  it('has a string for every key the pages use', async () => {
    const missing: string[] = [];
    for (const file of await sourceFiles(SOURCE)) {
      const text = await readFile(file, 'utf8');
      // t('a.b') literally, and the groups of t(`a.${x}`) whose leaves the code picks at run time.
      for (const [, key] of text.matchAll(/\bt\(\s*'([a-zA-Z]+(?:\.[a-zA-Z0-9_]+)+)'/g))
        if (!en.has(key!)) missing.push(`${file}: ${key}`);
      for (const [, group] of text.matchAll(/\bt\(\s*`([a-zA-Z.]+)\.\$\{/g)) {
        if (![...en.keys()].some((k) => k.startsWith(`${group}.`))) missing.push(`${file}: ${group}.*`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('translates only error codes the server sends', async () => {
    const server = (await sourceFiles(join(import.meta.dirname, '../src'))).filter((f) => !f.endsWith('.test.ts'));
    const text = (await Promise.all(server.map((f) => readFile(f, 'utf8')))).join('\n');
    const codes = [...en.keys()].filter((k) => k.startsWith('errors.code.')).map((k) => k.slice('errors.code.'.length));
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((code) => !text.includes(`'${code}'`))).toEqual([]);
  });

  it('names every finding the mix calculator, a treatment and a tank may send', async () => {
    const codes = async (file: string) => [
      ...new Set(
        [
          ...(await readFile(join(import.meta.dirname, '../src/modules', file), 'utf8')).matchAll(/code: '([A-Z_]+)'/g),
        ].map((m) => m[1]!),
      ),
    ];
    const mixing = await codes('nutrients/mixing.engine.ts');
    expect(mixing.length).toBeGreaterThan(15);
    expect(mixing.filter((code) => !en.has(`feeding.findings.${code}`))).toEqual([]);
    const tanks = [
      ...new Set(
        [
          ...(await readFile(join(import.meta.dirname, '../src/modules/tanks/tanks.engine.ts'), 'utf8')).matchAll(
            /type: '(tank_[a-z_]+)'/g,
          ),
        ].map((m) => m[1]!),
      ),
    ];
    expect(tanks.length).toBeGreaterThan(5);
    expect(tanks.filter((type) => !en.has(`tanks.alerts.${type}`))).toEqual([]);
    const treatments = await codes('protection/applications.views.ts');
    expect(treatments.filter((code) => !en.has(`protection.warnings.${code}`))).toEqual([]);
  });

  it('names every value the API may send for the lists the pages translate', () => {
    const groups: Record<string, string[]> = {
      deviceTypes: ['sensor', 'relay', 'gpio', 'pwm', 'adc', 'servo', 'manual'],
      channelKinds: [
        'fan',
        'heater',
        'cooler',
        'light',
        'pump',
        'valve',
        'feeder',
        'belt',
        'humidifier',
        'vent',
        'door',
        'motor',
        'other',
      ],
      commandStatus: ['queued', 'sent', 'executing', 'completed', 'failed', 'timeout', 'expired', 'cancelled'],
      actions: ['on', 'off', 'toggle', 'set_value', 'set_angle', 'set_speed'],
      severity: ['info', 'warning', 'critical'],
      notificationSeverity: ['urgent', 'important', 'info'],
      alertState: ['triggered', 'acknowledged', 'resolved'],
      ruleKinds: ['threshold', 'offline', 'silent', 'schedule_failed', 'low_battery', 'swarm'],
      live: ['live', 'connecting', 'offline'],
      'devices.tabs': ['live', 'history', 'commands', 'settings'],
    };
    for (const [group, values] of Object.entries(groups))
      for (const value of values) expect(en.has(`${group}.${value}`), `${group}.${value}`).toBe(true);
  });
});
