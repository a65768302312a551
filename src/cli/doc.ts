/**
 * `parity doc orders`: the order state machine, printed from the table the engine runs on.
 * `parity doc trading`: who stops trading, what still flows, what lifts it (risk/trading-holds.ts).
 */
import type { Command } from 'commander';
import { describeTable, mermaid } from '../orders/fsm.ts';
import { triggersTable } from '../risk/trading-holds.ts';
import { UsageError } from './errors.ts';

export function registerDoc(program: Command): void {
  program
    .command('doc <topic>')
    .description('print reference material generated from the code (topics: orders, trading)')
    .option('--mermaid', 'the order table as a Mermaid state diagram (as in the README)')
    .action((topic: string, flags: { mermaid?: boolean }) => {
      if (topic === 'trading') { process.stdout.write(`${triggersTable()}\n`); return; }
      if (topic !== 'orders') throw new UsageError(`unknown doc topic "${topic}"; known: orders, trading`);
      process.stdout.write(`${flags.mermaid === true ? mermaid() : describeTable()}\n`);
    });
}
