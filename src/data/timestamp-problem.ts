/** The words for a timestamp `scanTimestamp` did not accept (error path only). */
import { TS_NAIVE, TS_RANGE, TS_SECONDS, TS_SUBMS, type TsKind, formatTs } from './timestamps.ts';

export function timestampProblem(raw: string, kind: TsKind, value: number): string {
  if (raw === '') return 'timestamp is empty';
  switch (kind) {
    case TS_NAIVE:
      return `timestamp '${raw}' has no UTC offset: write it with one (${raw.replace(' ', 'T')}Z, or +02:00) or name the zone it is in (--tz America/New_York, or data.tz in the config)`;
    case TS_SECONDS:
      return `timestamp ${raw} looks like epoch seconds (${formatTs(value * 1000)}); timestamps must be epoch milliseconds: multiply by 1000`;
    case TS_SUBMS:
      return `timestamp ${raw} looks like epoch micro- or nanoseconds; timestamps must be epoch milliseconds: divide by 1000 or 1000000`;
    case TS_RANGE:
      return `timestamp '${raw}' has a field out of range`;
    default:
      return `timestamp '${raw}' is neither ISO-8601 (2024-01-02T09:30:00Z) nor epoch milliseconds`;
  }
}
