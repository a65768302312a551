/** `parity doc orders`: the order state machine, printed from the table the engine runs on. */
import type { Command } from 'commander';
import { describeTable, mermaid } from '../orders/fsm.ts';
import { UsageError } from './errors.ts';

export function registerDoc(program: Command): void {
  program
    .command('doc <topic>')
    .description('print reference material generated from the code (topics: orders)')
    .option('--mermaid', 'the order table as a Mermaid state diagram (as in the README)')
    .action((topic: string, flags: { mermaid?: boolean }) => {
      if (topic !== 'orders') throw new UsageError(`unknown doc topic "${topic}"; known: orders`);
      process.stdout.write(`${flags.mermaid === true ? mermaid() : describeTable()}\n`);
    });
}
