// One JSON object per log line, so CloudWatch Logs Insights / metric filters can query the fields.

export type LogValue = string | number | boolean | undefined;
export type LogFields = { [field: string]: LogValue };

export type Level = 'INFO' | 'WARN' | 'ERROR';

export function logLine(level: Level, event: string, fields: LogFields): void {
  // `level` and `event` last so a field of the same name cannot mask them.
  const line = JSON.stringify({ ...fields, level, event });
  if (level === 'ERROR') console.error(line);
  else console.log(line);
}
