/**
 * `parity check <strategy>`: what loading a strategy checks, alone and before any data: the
 * determinism lint (no wall clock, no global randomness), the type check against the strategy API
 * (strategy/typecheck.ts, cached by content) and a trial load (a default export from
 * defineStrategy, parameters that parse). Exit 0 when all pass, 2 when any fails.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lintStrategySource, loadStrategy, parseParamFlags, parseParams } from '../strategy/loader.ts';
import { isTypeScriptFile, typecheckStrategy } from '../strategy/typecheck.ts';
import { paramsText } from '../backtest/run-info.ts';
import { resolveShipped } from '../modes/parts.ts';
import { collect } from './options.ts';
import { UsageError } from './errors.ts';

interface CheckFlags {
  typecheck: boolean;
  param: string[];
}

const ms = (x: number): string => (x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(1)} s`);

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check a strategy without running it: determinism lint, type check against the strategy API, trial load')
    .argument('<strategy>', 'strategy file (.ts or .js)')
    .option('-p, --param <key=value>', 'parameters to check against its schema; repeat for several', collect, [])
    .option('--no-typecheck', 'skip the type check')
    .action(async (file: string, flags: CheckFlags) => {
      const path = resolveShipped(file);
      let source: string;
      try {
        source = readFileSync(path, 'utf8');
      } catch {
        throw new UsageError(`strategy file ${resolve(file)} cannot be read (does it exist?)`);
      }
      const out: string[] = [`checking ${path}`];
      let failed = false;

      const lint = lintStrategySource(source);
      if (lint.length === 0) out.push('  lint   ok: no wall clock or global randomness');
      else {
        failed = true;
        out.push(`  lint   FAIL: ${lint.length} direct read${lint.length === 1 ? '' : 's'} of the wall clock or randomness (backtest and live would differ)`);
        for (const p of lint) out.push(`    ${path}:${p.line}: ${p.text}\n      use ${p.use} instead`);
      }

      if (!flags.typecheck) out.push('  types  skipped (--no-typecheck)');
      else if (!isTypeScriptFile(path)) out.push('  types  skipped: a JavaScript file has no types to check');
      else {
        const t = typecheckStrategy(path);
        const how = t.cached ? `cached verdict, ${ms(t.ms)}` : `compiled in ${ms(t.ms)}`;
        if (t.ok) out.push(`  types  ok against the strategy API (${how})`);
        else {
          failed = true;
          out.push(`  types  FAIL: ${t.problems.length} problem${t.problems.length === 1 ? '' : 's'} (${how})`);
          for (const p of t.problems) out.push(`    ${p}`);
        }
      }

      if (failed) out.push('  load   not tried (fix the above first)');
      else {
        try {
          const s = await loadStrategy(path, process.cwd(), { typecheck: false });
          const params = parseParams(s.definition, parseParamFlags(flags.param));
          out.push(`  load   ok: strategy "${s.definition.name}", params ${paramsText(params)}`);
        } catch (err) {
          failed = true;
          out.push(`  load   FAIL: ${(err as Error).message}`);
        }
      }
      process.stdout.write(`${out.join('\n')}\n`);
      if (failed) process.exitCode = 2;
    });
}
